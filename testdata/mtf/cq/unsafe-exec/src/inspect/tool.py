# Fixture: the reference scanner never read this file ("inspect" contains "spec").
import ast, os, pickle, subprocess, yaml

def run(cmd, blob, text):
    os.system(cmd)
    data = pickle.loads(blob)
    cfg = yaml.load(text)
    safe = yaml.load(text, Loader=yaml.SafeLoader)
    value = ast.literal_eval(text)
    subprocess.run(cmd,
                   shell=True)
    return eval(request.args["expr"])
