"""Drives crisp-mcp with the official Python MCP SDK (PyPI `mcp`), a second client beside rmcp's.

Over stdio and Streamable HTTP, at both protocol revisions (`mode="legacy"`: the initialize handshake;
`mode="auto"`: the stateless 2026-07-28 revision when offered), against a simulator started here on
127.0.0.1: lists the tools and calls a few, and over HTTP also uses per-request Basic credentials on a
server that holds no key. Any failure exits non-zero with the reason.

Usage: python drive_crisp_mcp.py --mcp PATH/crisp-mcp --mock PATH/crisp-mock
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request

import httpx2
from mcp import Client, StdioServerParameters
from mcp.client.streamable_http import streamable_http_client

IDENTIFIER = "python-sdk-identifier"
KEY = "python-sdk-key-never-shown"
WEBSITE_ID = "8c842203-7ed8-4e29-a608-7cf78a7d2fcc"  # the simulator's default website
MODERN = "2026-07-28"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_mock(mock_bin: str) -> tuple[subprocess.Popen, str]:
    port = free_port()
    process = subprocess.Popen(
        [mock_bin, "--listen", f"127.0.0.1:{port}", "--identifier", IDENTIFIER, "--key", KEY],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            urllib.request.urlopen(f"{base}/openapi.json", timeout=1).close()
            return process, f"{base}/v1/"
        except OSError:
            if process.poll() is not None:
                raise SystemExit(f"crisp-mock exited with {process.returncode}")
            time.sleep(0.1)
    process.kill()
    raise SystemExit("crisp-mock did not start")


def server_env(base_url: str, with_key: bool) -> dict[str, str]:
    env = {"CRISP_BASE_URL": base_url, "CRISP_WEBSITE_ID": WEBSITE_ID, "PATH": os.environ.get("PATH", "")}
    if with_key:
        env.update({"CRISP_IDENTIFIER": IDENTIFIER, "CRISP_KEY": KEY, "CRISP_TIER": "plugin"})
    return env


def start_http_server(mcp_bin: str, env: dict[str, str]) -> tuple[subprocess.Popen, str]:
    process = subprocess.Popen(
        [mcp_bin, "--http", "127.0.0.1:0"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    assert process.stderr is not None
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        line = process.stderr.readline()
        if not line:
            break
        if "serving MCP at " in line:
            return process, line.split("serving MCP at ", 1)[1].split(",", 1)[0].strip()
    process.kill()
    raise SystemExit("crisp-mcp --http did not start")


def text_of(result) -> str:
    return "\n".join(block.text for block in result.content if getattr(block, "text", None) is not None)


async def exercise(client: Client, label: str, mode: str) -> str:
    """Lists the tools and calls three; returns a one-line summary."""
    version = client.protocol_version
    if mode == "auto":
        assert version == MODERN, f"{label}: auto mode negotiated {version}, not {MODERN}"
    else:
        assert version != MODERN, f"{label}: legacy mode negotiated {version}"

    listed = await client.list_tools()
    tools = {tool.name: tool for tool in listed.tools}
    for name in ("list_conversations", "get_conversation", "get_messages_in_conversation"):
        assert name in tools, f"{label}: {name} is not listed"
    assert tools["get_conversation"].annotations.read_only_hint is True, f"{label}: reads carry readOnlyHint"
    assert "session_id" in tools["get_conversation"].input_schema["properties"], f"{label}: schema"

    conversations = await client.call_tool("list_conversations", {})
    assert not conversations.is_error, f"{label}: list_conversations failed: {text_of(conversations)}"
    items = json.loads(text_of(conversations))["items"]
    assert items, f"{label}: the simulator's conversation is listed"
    session_id = items[0]["session_id"]

    conversation = await client.call_tool("get_conversation", {"session_id": session_id})
    assert not conversation.is_error, f"{label}: get_conversation failed: {text_of(conversation)}"
    assert json.loads(text_of(conversation))["session_id"] == session_id, f"{label}: another conversation"
    structured = getattr(conversation, "structured_content", None)
    if structured is not None:
        assert structured.get("session_id") == session_id, f"{label}: structuredContent disagrees: {structured}"

    wrong = await client.call_tool("get_conversation", {"sesion_id": session_id})
    assert wrong.is_error, f"{label}: a misspelt argument is a tool error"
    assert "sesion_id" in text_of(wrong), f"{label}: the error names the argument: {text_of(wrong)}"
    for result in (conversations, conversation, wrong):
        assert KEY not in text_of(result), f"{label}: the key shows in a result"
    extra = ", structuredContent checked" if structured is not None else ""
    return f"{label} [{mode}, {version}]: {len(tools)} tools, 3 calls{extra}"


def basic_headers() -> dict[str, str]:
    pair = base64.b64encode(f"{IDENTIFIER}:{KEY}".encode()).decode()
    return {"Authorization": f"Basic {pair}", "X-Crisp-Tier": "plugin"}


async def over_http(url: str, mode: str, label: str, headers: dict[str, str] | None) -> str:
    async with httpx2.AsyncClient(headers=headers or {}, timeout=30) as http:
        async with Client(streamable_http_client(url, http_client=http), mode=mode) as client:
            return await exercise(client, label, mode)


async def refused_without_credentials(url: str, mode: str) -> str:
    try:
        async with httpx2.AsyncClient(timeout=30) as http:
            async with Client(streamable_http_client(url, http_client=http), mode=mode) as client:
                await client.list_tools()
    except Exception:  # noqa: BLE001 - any failure to connect is the refusal we expect
        pass
    else:
        raise AssertionError(f"keyless HTTP [{mode}]: a client without credentials was served")
    async with httpx2.AsyncClient(timeout=30) as http:
        answer = await http.post(url, json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"},
                                 headers={"Accept": "application/json, text/event-stream"})
    assert answer.status_code == 401, f"keyless HTTP: {answer.status_code} without credentials"
    assert answer.headers.get("www-authenticate", "").startswith("Basic"), "keyless HTTP: no Basic challenge"
    return f"keyless HTTP [{mode}]: refused without credentials (401, WWW-Authenticate: Basic)"


async def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mcp", required=True, help="the crisp-mcp binary")
    parser.add_argument("--mock", required=True, help="the crisp-mock binary")
    args = parser.parse_args()
    started = time.monotonic()
    mock, base_url = start_mock(args.mock)
    servers: list[subprocess.Popen] = []
    try:
        keyed, keyed_url = start_http_server(args.mcp, server_env(base_url, with_key=True))
        keyless, keyless_url = start_http_server(args.mcp, server_env(base_url, with_key=False))
        servers += [keyed, keyless]
        stdio = StdioServerParameters(command=args.mcp, args=[], env=server_env(base_url, with_key=True))
        for mode in ("legacy", "auto"):
            async with Client(stdio, mode=mode) as client:
                print(await exercise(client, "stdio", mode))
            print(await over_http(keyed_url, mode, "HTTP", None))
            print(await over_http(keyless_url, mode, "keyless HTTP + Basic", basic_headers()))
            print(await refused_without_credentials(keyless_url, mode))
    finally:
        for process in servers + [mock]:
            process.kill()
            process.wait()
    print(f"python MCP SDK: all passed in {time.monotonic() - started:.1f} s")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(asyncio.run(main()))
    except AssertionError as failure:
        print(f"FAILED: {failure}", file=sys.stderr)
        sys.exit(1)
