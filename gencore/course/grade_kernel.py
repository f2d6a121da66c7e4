"""One submission executed for grading: the process `gencore.course.grade` starts for each notebook.

    python -I gencore/course/grade_kernel.py FD        # the task as JSON on stdin; the result as JSON on FD

It imports nothing of gencore (its own process stays small and the kernel's gencore is the only one). It runs
the notebook's cells in a Jupyter kernel, one by one, each under a time limit (a cell that runs out of time is
interrupted and the next one runs) and the whole notebook under another. Before the first cell it starts the
checks' results channel in the kernel, hidden from the notebook (`gencore.checks.report.start`: a results file
and a token drawn by the grader); each line the checks write is attributed to the cell that was running.
Before and after every check cell, and at the end, it asks the kernel for `report.fingerprints` (the source is
sent each time) and compares them with the grader's own: a difference is a patched check. The result (each
cell's outcome, the verifications, the executed notebook) goes to the grader through a pipe that the kernel
does not inherit, not through a file the submission could overwrite.
"""
from __future__ import annotations

import ast
import asyncio
import json
import os
import sys
import time
from queue import Empty

OUTPUT_LIMIT = 200_000          # characters of output kept per message; more is a flood, dropped and reported
VERIFY_SECONDS = 120            # the longest a verification may wait for the kernel
RECORDS_LIMIT = 2 ** 20         # bytes of the checks' results read per cell


def differences(expected: dict, got: dict) -> list[str]:
    """What differs between the grader's fingerprints and the kernel's (at most 8 sentences)."""
    problems = []
    for key, value in got.items():
        if key in expected and expected[key] != value:
            if key.startswith("module "):
                problems.append(f"{key[7:]} was loaded from {value} instead of {expected[key]}")
            elif key == "the channel":
                problems.append("the checks' results channel was replaced")
            elif key == "the notebook's `checks`":
                problems.append("the notebook's `checks` is not gencore.checks")
            else:
                problems.append(f"{key} was changed")
    for key, value in expected.items():
        module = key.rsplit(".", 1)[0]
        if key not in got and f"module {module}" in got and not value.startswith("m ") \
                and not key.startswith(("module ", "the ")):
            problems.append(f"{key} was deleted")
    if "the channel" not in got:
        problems.append("the checks' results channel is missing")
    return problems[:8]


def run(task: dict) -> dict:
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import DeadKernelError
    from nbclient.util import ensure_async

    checks = set(task["check_sources"])
    deadline = time.monotonic() + task["notebook_timeout"]
    start_code = (f"import gencore.checks.report as _gencore_report\n"
                  f"_gencore_report.start({task['results']!r}, {task['token']!r})\ndel _gencore_report")
    verify_expression = (f"__import__('json').dumps((lambda ns: (exec({task['verify_source']!r}, ns), "
                         f"ns['fingerprints'](globals()))[1])({{}}))")

    class Grading(NotebookClient):
        flooded = False
        started = False
        offset = 0
        timed_out = False
        out_of_time = False
        reply = None

        def output(self, outs, msg, display_id, cell_index):
            size = len(json.dumps(msg.get("content", {}))) + sum(len(json.dumps(o)) for o in outs)
            if size > OUTPUT_LIMIT:            # a flood: dropped (the kernel batches prints, so check the new one)
                Grading.flooded = True
                return None
            return super().output(outs, msg, display_id, cell_index)

        async def _async_handle_timeout(self, timeout, cell=None):
            self.timed_out = True
            return await super()._async_handle_timeout(timeout, cell)

        async def hidden(self, expression: str = "None", code: str = "") -> tuple[bool, str]:
            """Run ``code`` silently (no history, no output) and evaluate ``expression``: (done, its text)."""
            msg_id = await ensure_async(self.kc.execute(code, silent=True, store_history=False,
                                                        user_expressions={"r": expression}))
            limit = time.monotonic() + min(VERIFY_SECONDS, max(10.0, deadline - time.monotonic()))
            while time.monotonic() < limit:
                try:
                    msg = await ensure_async(self.kc.shell_channel.get_msg(timeout=1))
                except Empty:
                    if not await ensure_async(self.kc.is_alive()):
                        return False, "the kernel died"
                    continue
                if msg["parent_header"].get("msg_id") != msg_id:
                    continue
                value = msg["content"].get("user_expressions", {}).get("r", {})
                if msg["content"].get("status") != "ok" or value.get("status") != "ok":
                    error = value.get("ename") or msg["content"].get("ename", "")
                    return False, f"it raised {error}: {value.get('evalue') or msg['content'].get('evalue', '')}"
                return True, value["data"]["text/plain"]
            return False, f"the kernel did not answer within {VERIFY_SECONDS} s"

        async def verify(self) -> list[str] | None:
            """The problems found in the kernel's gencore (empty: none), or one sentence why it could not be
            verified."""
            done, text = await self.hidden(verify_expression)
            if not done:
                return [f"the grader could not verify the checks ({text})"]
            try:
                got = json.loads(ast.literal_eval(text))
            except (ValueError, SyntaxError):
                return ["the grader could not verify the checks (an unreadable answer)"]
            return differences(task["expected"], got)

        def records(self) -> list[dict]:
            try:
                with open(task["results"], "rb") as f:
                    f.seek(self.offset)
                    data = f.read(RECORDS_LIMIT)
                    self.offset = f.seek(0, os.SEEK_END)         # beyond the limit: a flood, not the check's
            except OSError:
                return [{"check": "*", "status": "channel lost"}]
            out = []
            for line in data.decode("utf-8", "replace").splitlines():
                try:
                    rec = json.loads(line)
                except ValueError:
                    continue
                if isinstance(rec, dict) and rec.get("token") == task["token"]:
                    out.append({k: str(rec.get(k, "")) for k in ("check", "status", "hint", "reference")})
            return out

        async def async_execute_cell(self, cell, cell_index, execution_count=None, store_history=True):
            if not self.started:
                self.started = True
                done, text = await self.hidden("'started'", start_code)
                if not done:
                    raise RuntimeError(f"the results channel could not be started: {text}")
            if cell.cell_type != "code" or not cell.source.strip():
                return cell
            if time.monotonic() >= deadline:
                self.out_of_time = True
                return cell
            is_check = cell.source.strip() in checks
            info = {"verify": []}
            if is_check:
                info["verify"].append(await self.verify())
            self.records()                                   # lines written outside this cell are not its own
            self.timed_out = False
            self.reply = None
            self.cells[cell_index] = info
            try:
                await super().async_execute_cell(cell, cell_index, execution_count, store_history)
            except DeadKernelError:
                info["died"] = True
                raise
            finally:
                info["timed_out"] = self.timed_out
                content = (self.reply or {}).get("content", {})
                info["status"] = content.get("status", "")
                info["error"] = [content.get("ename", ""), str(content.get("evalue", ""))[:2000]]
                info["records"] = self.records()
            if is_check:
                info["verify"].append(await self.verify())
            return cell

        def executed(self, cell, cell_index, execute_reply):
            self.reply = execute_reply

    nb = nbformat.reads(task["notebook"], as_version=4)
    cell_timeout = task["cell_timeout"]
    client = Grading(nb, timeout=cell_timeout, kernel_name="python3", allow_errors=True, interrupt_on_timeout=True,
                     error_on_timeout={"ename": "CellTimeoutError", "evalue": f"over {cell_timeout} s",
                                       "traceback": []},
                     timeout_func=lambda cell: max(1, min(cell_timeout, int(deadline - time.monotonic()) + 1)),
                     resources={"metadata": {"path": task["folder"]}})
    client.on_cell_executed = client.executed
    client.cells = {}
    stopped, final = None, None

    async def execute():                                 # NotebookClient.async_execute, with the last verification
        nonlocal final
        client.reset_execution_trackers()
        async with client.async_setup_kernel():
            info = await client.async_wait_for_reply(await ensure_async(client.kc.kernel_info()))
            if info is not None and "language_info" in info["content"]:
                nb.metadata["language_info"] = info["content"]["language_info"]
            for index, cell in enumerate(nb.cells):
                await client.async_execute_cell(cell, index, execution_count=client.code_cells_executed + 1)
            final = await client.verify()
            client.set_widgets_metadata()

    try:
        asyncio.run(execute())
    except DeadKernelError:
        stopped = "crashed (its kernel died)"
    except Exception as e:  # noqa: BLE001  (anything the submission did to the kernel)
        stopped = f"stopped ({type(e).__name__}: {str(e)[:300]})"
    if client.out_of_time and stopped is None:
        stopped = f"timed out (the notebook's limit of {task['notebook_timeout']} s)"
    return {"cells": {str(k): v for k, v in client.cells.items()}, "final": final, "stopped": stopped,
            "flooded": Grading.flooded, "notebook": nbformat.writes(nb)}


def main() -> None:
    fd = int(sys.argv[1])
    os.set_inheritable(fd, False)                       # the kernel must not write the result
    task = json.loads(sys.stdin.read())
    result = run(task)
    with os.fdopen(fd, "w") as out:
        json.dump(result, out)


if __name__ == "__main__":
    main()
