# Fixture: FastMCP tools with typed parameters (pydantic validates them).
from mcp.server.fastmcp import Context, FastMCP
from pydantic import BaseModel

mcp = FastMCP("fixture")

class Query(BaseModel):
    text: str

@mcp.tool()
def search(query: Query, limit: int = 10, ctx: Context = None) -> str:
    return query.text
