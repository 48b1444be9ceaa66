"""Grade a folder of submitted notebooks locally, without Docker: a gradebook and feedback.

    make grade SUBMISSIONS=dir   # = .venv/bin/python tools/grade.py dir [options]

Each submission is a notebook handed out by ``make assignments`` (its chapter is read from
its metadata), either ``dir/<student>.ipynb`` or ``dir/<student>/<anything>.ipynb``: the
student is the file's name (or its folder's), as collected, never what the notebook claims.
Writes into _build/grades/ (or --output):

    gradebook.csv             student, chapter, question, points, max_points (one row each)
    feedback/<student>.md     per question: points, and what the public tests said

Grading is Otter-Grader's own (``otter.execute.grade_notebook``, what ``otter run`` and
Gradescope run) on the tests and the klhelpers of the chapter's autograder.zip. Around it:

* every submission runs in a temporary folder of its own (the notebook, and a fresh copy of
  the autograder's tests and files), in a process of its own, in a new session, with a
  minimal environment that names no path outside that folder;
* limits (``resource.setrlimit``): address space (--memory MB), CPU time (--cpu s, each
  process) and file size (64 MB); a
  cell that runs longer than --cell-timeout seconds is interrupted (that question fails, the
  others are graded), and the whole run of a submission is killed, with every process it
  started, after --timeout seconds (that submission scores 0);
* the notebooks are read into memory before any submission runs, and only this process
  writes the gradebook and the feedback, at the end, from what the manifest (the
  instructor's) lists: a submission can neither add a row nor change another student's;
* after the run, the tests and files of its autograder copy are compared with the zip:
  a submission that changed or deleted any of them scores 0, with a note saying so.

What local grading cannot stop is in the instructor guide ("Assign this chapter"): the
submission runs as your user, in the same Python process as its tests.
"""

import argparse
import csv
import io
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_ASSIGNMENTS = ROOT / "_build" / "assignments"
DEFAULT_OUTPUT = ROOT / "_build" / "grades"
METADATA_KEY = "kl_assignment"
FIELDS = ["student", "chapter", "question", "points", "max_points"]
SAFE = re.compile(r"[^A-Za-z0-9_.-]+")


# ---------------------------------------------------------------------- the worker (sandboxed)

def worker(sandbox, cell_timeout, result_fd):
    """Run in the sandbox's own process: grade submission/*.ipynb with Otter, then write
    {question: {score, possible, summary, hidden_failed}} as JSON to `result_fd`."""
    # Never inherited by the kernel (jupyter_client starts it with close_fds=True).
    out = os.fdopen(result_fd, "w")
    from nbconvert.preprocessors import ExecutePreprocessor
    from otter.execute import grade_notebook

    original_init = ExecutePreprocessor.__init__

    def init(self, *args, **kwargs):  # an endless cell is interrupted; the next cells still run
        original_init(self, *args, **kwargs)
        self.timeout = cell_timeout
        self.interrupt_on_timeout = True
        self.error_on_timeout = {"ename": "TimeoutError",
                                 "evalue": f"the cell ran longer than {cell_timeout} s",
                                 "traceback": [f"TimeoutError: the cell ran longer than {cell_timeout} s"]}
        self.kernel_name = "python3"

    ExecutePreprocessor.__init__ = init
    submission = Path(sandbox) / "submission"
    notebook = next(submission.glob("*.ipynb"))
    tests = sorted(str(t) for t in (Path(sandbox) / "tests").glob("*.py"))
    os.chdir(submission)
    results = grade_notebook(notebook.name, tests_glob=tests, cwd=str(submission),
                             test_dir=str(Path(sandbox) / "tests"), ignore_errors=True)
    payload = {}
    stopped = cell_errors(results.notebook, cell_timeout)
    for name, test_file in results.results.items():
        payload[name] = {
            "score": float(test_file.score), "possible": float(test_file.possible),
            "summary": test_file.summary(public_only=True),
            "public_passed": bool(test_file.passed_all_public),
            "hidden_failed": sum(1 for r in test_file.test_case_results
                                 if r.test_case.hidden and not r.passed),
            "cell_error": stopped.get(name, "")}
    out.write(json.dumps(payload))
    out.close()


def cell_errors(notebook, cell_timeout):
    """{question: "Error: message"} of each answer cell (the code cell before its
    ``grader.check("question")`` cell) that stopped with an error."""
    found, previous = {}, None
    for cell in (notebook.cells if notebook else []):
        if cell.cell_type != "code":
            continue
        match = re.fullmatch(r'grader\.check\("(\w+)"\)', cell.source.strip())
        if match and previous is not None:
            for output in previous.get("outputs", []):
                if output.get("output_type") == "error" and output.get("ename") == "KeyboardInterrupt":
                    found[match.group(1)] = f"a time-out: it ran longer than {cell_timeout} s"
                elif output.get("output_type") == "error":
                    found[match.group(1)] = f"{output.get('ename')}: {output.get('evalue')}"[:300]
        previous = cell
    return found


# ---------------------------------------------------------------------- the parent

def limits(memory_mb, cpu_seconds):
    """preexec_fn of a sandboxed process (and of every process it starts)."""
    def apply():
        memory = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
        resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 5))
        resource.setrlimit(resource.RLIMIT_FSIZE, (64 * 1024 * 1024, 64 * 1024 * 1024))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    return apply


def sandbox_env(sandbox):
    env = {"PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin", "LANG": "C.UTF-8",
           "HOME": str(sandbox / "home"), "TMPDIR": str(sandbox / "tmp"),
           "JUPYTER_RUNTIME_DIR": str(sandbox / "home" / "runtime"),
           "JUPYTER_DATA_DIR": str(sandbox / "home" / "data"),
           "IPYTHONDIR": str(sandbox / "home" / "ipython"),
           "MPLCONFIGDIR": str(sandbox / "home" / "mpl"), "MPLBACKEND": "Agg",
           "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
           "PYTHONDONTWRITEBYTECODE": "1", "PYDEVD_DISABLE_FILE_VALIDATION": "1"}
    for folder in ("home", "tmp", "home/runtime", "home/data", "home/ipython", "home/mpl"):
        (sandbox / folder).mkdir(parents=True, exist_ok=True)
    return env


def kill_tree(pid):
    """Kill `pid` and every process it started (the kernel runs in a session of its own)."""
    import psutil
    try:
        parent = psutil.Process(pid)
        family = parent.children(recursive=True) + [parent]
    except psutil.NoSuchProcess:
        return
    for process in family:
        try:
            process.kill()
        except psutil.NoSuchProcess:
            pass
    psutil.wait_procs(family, timeout=10)


def kill_leftovers(sandbox):
    """Kill any process still working in `sandbox` (started by the notebook, then orphaned)."""
    import psutil
    for process in psutil.process_iter(["cwd"]):
        try:
            cwd = process.info.get("cwd") or ""
            if cwd == str(sandbox) or cwd.startswith(str(sandbox) + os.sep):
                process.kill()
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            pass


def drain(fd, chunks):
    """Read the worker's result pipe to its end (in a thread: the worker must never block)."""
    with os.fdopen(fd, "rb") as pipe:
        while chunk := pipe.read(65536):
            if sum(map(len, chunks)) < 10_000_000:
                chunks.append(chunk)


def grader_files(autograder_zip):
    """{relative path: bytes} of the autograder's tests and files (what the sandbox gets)."""
    files = {}
    with zipfile.ZipFile(autograder_zip) as archive:
        for name in archive.namelist():
            if name.endswith("/") or "__pycache__" in name:
                continue
            if name.startswith("tests/") or name.startswith("files/"):
                files[name] = archive.read(name)
    return files


def placed(name):
    """Where an autograder file goes in the sandbox: tests/ as is, files/ beside the notebook."""
    return name if name.startswith("tests/") else "submission/" + name[len("files/"):]


def run_one(submission, assignment, options):
    """Grade one submission ({student, chapter, notebook bytes}); returns (rows, feedback)."""
    student, chapter = submission["student"], submission["chapter"]
    questions = assignment["manifest"]["questions"] if assignment else {}
    note = submission.get("problem")
    raw = {}
    if assignment and not note:
        sandbox = Path(tempfile.mkdtemp(prefix="kl-grade-"))
        try:
            for name, data in assignment["files"].items():
                target = sandbox / placed(name)
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(data)
            (sandbox / "submission" / f"{chapter}.ipynb").write_bytes(submission["notebook"])
            read_end, write_end = os.pipe()
            command = [sys.executable, str(Path(__file__).resolve()), "--worker", str(sandbox),
                       "--cell-timeout", str(options.cell_timeout), "--result-fd", str(write_end)]
            chunks = []
            with tempfile.TemporaryFile() as log:
                process = subprocess.Popen(command, cwd=sandbox, env=sandbox_env(sandbox),
                                           stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                           stderr=log, pass_fds=(write_end,), start_new_session=True,
                                           preexec_fn=limits(options.memory, options.cpu or options.timeout))
                os.close(write_end)
                reader = threading.Thread(target=drain, args=(read_end, chunks), daemon=True)
                reader.start()
                try:
                    process.wait(timeout=options.timeout)
                except subprocess.TimeoutExpired:
                    note = f"the notebook ran longer than {options.timeout} s and was stopped"
                kill_tree(process.pid)
                process.wait()
                reader.join(timeout=30)
                if reader.is_alive():  # a process that escaped still holds the pipe: no result
                    note = note or "grading did not finish"
                output = b"".join(chunks)
                log.seek(0)
                errors = log.read()[-20000:].decode(errors="replace")
            if not note:
                try:
                    raw = json.loads(output.decode() or "null")
                    if not isinstance(raw, dict):
                        raise ValueError
                except ValueError:
                    raw = {}
                    last = errors.strip().splitlines()[-1:] or ["no result"]
                    note = f"grading stopped before the end ({last[0][:200]})"
            changed = [name for name, data in assignment["files"].items()
                       if not (sandbox / placed(name)).is_file()
                       or (sandbox / placed(name)).read_bytes() != data]
            if changed:
                raw = {}
                note = ("the notebook changed or deleted the grader's files "
                        f"({', '.join(sorted(changed)[:3])}): every question scores 0")
        finally:
            kill_leftovers(sandbox)
            shutil.rmtree(sandbox, ignore_errors=True)
    elif not assignment and not note:
        note = f"no assignment called {chapter!r} (run make assignments first)"
    rows, lines = [], [f"# Feedback: {student}, {chapter}", ""]
    if note:
        lines += [f"**Note:** {note}.", ""]
    total = possible = 0.0
    for name, info in questions.items():
        result = raw.get(name) if isinstance(raw.get(name), dict) else {}
        max_points = float(info["points"])
        try:
            points = min(max(float(result.get("score", 0.0)), 0.0), max_points)
        except (TypeError, ValueError):
            points = 0.0
        total, possible = total + points, possible + max_points
        rows.append({"student": student, "chapter": chapter, "question": info["check"],
                     "points": f"{points:g}", "max_points": f"{max_points:g}"})
        lines.append(f"## {info['check']}: {points:g} / {max_points:g}")
        reason = failure(str(result.get("summary", "")))
        if result.get("cell_error") and points < max_points:
            lines += ["", f"Your answer cell stopped with {result['cell_error']}"]
        if reason and points < max_points:
            lines += ["", f"Not yet: {reason}"]
        elif not result and points < max_points and not note:
            lines += ["", "Not graded: no result for this question."]
        if result.get("hidden_failed") and result.get("public_passed"):
            lines += ["", "A hidden test failed"
                      + (": was your student id set in the cell at the top? The website's numbers "
                         "are not yours." if info.get("variant") else ".")]
        lines.append("")
    lines.insert(2, f"**Total:** {total:g} / {possible:g}\n")
    return rows, "\n".join(lines)


def failure(summary):
    """The message of the first error in Otter's summary of a public test ("" if none)."""
    errors = [line.strip() for line in summary.splitlines()
              if re.match(r"\s*[A-Za-z_][\w.]*(Error|Exception|Interrupt): ", line)]
    return errors[0][:500] if errors else ("a test failed" if "failed" in summary else "")


def collect(folder):
    """Every submission in `folder`, read into memory now: [{student, chapter, notebook}]."""
    found = []
    for path in sorted(folder.rglob("*.ipynb")):
        if ".ipynb_checkpoints" in path.parts:
            continue
        relative = path.relative_to(folder)
        student = relative.stem if len(relative.parts) == 1 else relative.parts[0]
        data = path.read_bytes()
        entry = {"student": SAFE.sub("_", student), "notebook": data, "chapter": "unknown"}
        try:
            metadata = json.loads(data)["metadata"]
            chapter = metadata.get(METADATA_KEY, {}).get("chapter") or metadata["otter"]["assignment_name"]
            entry["chapter"] = SAFE.sub("_", str(chapter))
        except (ValueError, KeyError, TypeError, AttributeError):
            entry["problem"] = "this file is not a notebook from make assignments (no chapter in its metadata)"
        found.append(entry)
    return found


def load_assignments(folder):
    assignments = {}
    for manifest_path in sorted(folder.glob("*/manifest.json")):
        manifest = json.loads(manifest_path.read_text())
        assignments[manifest["chapter"]] = {
            "manifest": manifest, "files": grader_files(manifest_path.parent / "autograder.zip")}
    return assignments


def write_outputs(output, results):
    """The gradebook and the feedback, written whole by this process only."""
    output.mkdir(parents=True, exist_ok=True)
    feedback = output / "feedback"
    if feedback.exists():
        shutil.rmtree(feedback)
    feedback.mkdir()
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=FIELDS, lineterminator="\n")
    writer.writeheader()
    texts = {}
    for submission, (rows, text) in results:
        writer.writerows(rows)
        texts.setdefault(submission["student"], []).append(text)
    for student, parts in texts.items():
        (feedback / f"{student}.md").write_text("\n\n".join(parts) + "\n")
    (output / "gradebook.csv").write_text(buffer.getvalue())


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("submissions", type=Path, nargs="?", help="folder of submitted notebooks")
    parser.add_argument("--assignments", type=Path, default=DEFAULT_ASSIGNMENTS,
                        help="what make assignments wrote (default: _build/assignments)")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT,
                        help="where to write gradebook.csv and feedback/ (default: _build/grades)")
    parser.add_argument("--timeout", type=int, default=600, help="seconds per submission (default 600)")
    parser.add_argument("--cell-timeout", type=int, default=60, help="seconds per cell (default 60)")
    parser.add_argument("--cpu", type=int, default=None,
                        help="CPU seconds per process of a submission (default: the --timeout)")
    parser.add_argument("--memory", type=int, default=4096, help="MB of address space (default 4096)")
    parser.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1),
                        help="submissions graded at once (default: 2)")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--result-fd", type=int, help=argparse.SUPPRESS)
    options = parser.parse_args(argv)
    if options.worker:
        return worker(options.worker, options.cell_timeout, options.result_fd)
    if options.submissions is None or not options.submissions.is_dir():
        sys.exit("Give the folder of submitted notebooks: make grade SUBMISSIONS=dir")
    assignments = load_assignments(options.assignments.resolve())
    if not assignments:
        sys.exit(f"No assignments in {options.assignments}: run make assignments first.")
    submissions = collect(options.submissions.resolve())
    with ThreadPoolExecutor(max(1, options.jobs)) as pool:
        graded = list(pool.map(lambda s: run_one(s, assignments.get(s["chapter"]), options), submissions))
    output = options.output.resolve()
    write_outputs(output, list(zip(submissions, graded)))
    print(f"Graded {len(submissions)} submissions: {output / 'gradebook.csv'}, feedback in {output / 'feedback'}")


if __name__ == "__main__":
    main()
