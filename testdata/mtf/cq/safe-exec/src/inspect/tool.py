# Fixture: the safe forms the reference scanner flagged.
import ast, subprocess, yaml

def run(text, path):
    value = ast.literal_eval(text)
    cfg = yaml.load(text, Loader=yaml.SafeLoader)
    cfg2 = yaml.safe_load(text)
    subprocess.run(["ls", path], check=True)
    cur.execute("SELECT * FROM notes WHERE id = %s", (value,))
    return value, cfg, cfg2
