# Fixture: FastMCP tools with untyped parameters.
from mcp.server.fastmcp import FastMCP

mcp = FastMCP("fixture")

@mcp.tool()
def search(query, limit: int = 10) -> str:
    return query

@mcp.tool()
async def fetch(payload: dict) -> str:
    return str(payload)
