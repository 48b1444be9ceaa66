"""The shape of klhelpers that keeps it safe to change: imports run one way, formulas live once
per runtime, widgets' code stays out of the notebooks, and `import klhelpers` stays light.

CONTRIBUTING.md draws the shape these tests hold.
"""

import ast
import json
import os
import re
import subprocess
import sys

import pytest

from conftest import BOOK, chapters

PACKAGE = BOOK / "klhelpers"
ASSETS = PACKAGE / "interactives" / "assets"


def module_name(path):
    parts = path.relative_to(BOOK).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path):
    """The klhelpers modules a file imports, anywhere in it (a function's lazy import counts too)."""
    package = module_name(path) if path.name == "__init__.py" else module_name(path).rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.ImportFrom) and node.level:
            base = package.split(".")[:len(package.split(".")) - node.level + 1]
            target = ".".join(base + ([node.module] if node.module else []))
            names = [f"{target}.{alias.name}" for alias in node.names]
            found |= {name for name in names if (BOOK / (name.replace(".", "/") + ".py")).exists()
                      or (BOOK / name.replace(".", "/") / "__init__.py").exists()} or {target}
        elif isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "import_module":
            continue  # klhelpers/__init__'s lazy attributes: the package importing its own modules
    return {name for name in found if name.startswith("klhelpers") and name != module_name(path)}


def graph():
    modules = {module_name(path): imports_of(path) for path in PACKAGE.rglob("*.py")}
    # A package's __init__ may gather its own modules; its modules must not need it back.
    return {name: {target for target in targets if not name.startswith(target + ".")}
            for name, targets in modules.items()}


def test_no_module_of_klhelpers_imports_itself_back_through_a_circle():
    edges = graph()
    state = {}

    def visit(node, path):
        state[node] = "open"
        for target in sorted(edges.get(node, ())):
            if target.startswith(node + "."):
                continue  # a package's __init__ gathering its own modules
            if state.get(target) == "open":
                pytest.fail("import circle: " + " -> ".join(path + [target]))
            if target not in state:
                visit(target, path + [target])
        state[node] = "done"

    for module in sorted(edges):
        if module not in state:
            visit(module, [module])


def test_the_circle_finder_can_fail(tmp_path, monkeypatch):
    """Two modules importing each other are reported (the test above is not vacuous)."""
    fake = tmp_path / "klhelpers"
    fake.mkdir()
    (fake / "__init__.py").write_text("")
    (fake / "a.py").write_text("from .b import x\n")
    (fake / "b.py").write_text("def f():\n    from .a import y\n")
    monkeypatch.setattr(sys.modules[__name__], "BOOK", tmp_path)
    monkeypatch.setattr(sys.modules[__name__], "PACKAGE", fake)
    with pytest.raises(pytest.fail.Exception, match="import circle"):
        test_no_module_of_klhelpers_imports_itself_back_through_a_circle()


def test_the_math_modules_import_no_figures_widgets_or_exercises():
    edges = graph()
    math_modules = ["validate", "numerics", "divergences", "coding", "joint", "bounds", "gaussians", "logits",
                    "estimators", "rlhf", "policy_gradients", "sequences", "fits"]
    for name in math_modules:
        for target in edges[f"klhelpers.{name}"]:
            assert target.rpartition(".")[2] in math_modules, f"klhelpers.{name} imports {target}"


def test_import_klhelpers_loads_no_plotting_widgets_or_scipy():
    """What keeps `import klhelpers` quick (benchmarks/import_time.py measures it): matplotlib,
    ipywidgets and scipy load only when a figure or an interactive is first asked for."""
    script = ("import sys, klhelpers as kl\n"
              "heavy = sorted(m for m in ('matplotlib', 'ipywidgets', 'scipy', 'IPython') if m in sys.modules)\n"
              "kl.plot_pq(kl.P, kl.Q, kl.VOCAB)\n"
              "print(heavy, 'matplotlib' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", script], cwd=BOOK, capture_output=True, text=True, check=True,
                         env={**os.environ, "MPLBACKEND": "Agg"})
    assert out.stdout.strip() == "[] True"  # nothing heavy at import; matplotlib once a figure is drawn


def test_widget_scripts_hold_no_formula():
    """Each formula is written once per runtime: in klmath.js for the browser. A widget's script
    reads inputs, calls KLMath and draws; logarithms and exponentials of probabilities are not its job."""
    for script in ASSETS.glob("*.js"):
        if script.name in ("klmath.js",):
            continue
        code = re.sub(r"//[^\n]*", "", script.read_text())
        for formula in ("Math.log(", "Math.exp(", "Math.log1p(", "Math.expm1("):
            assert formula not in code, f"{script.name} computes {formula}: that belongs in klmath.js"


def test_no_notebook_stores_the_code_of_an_interactive():
    """Editing an interactive's script changes no notebook output: the outputs hold twins
    (markup and JSON state) and the site serves the scripts."""
    for notebook in chapters():
        text = notebook.read_text()
        assert "KLInteractives.register" not in text and "function mount(" not in text, notebook.name
        outputs = [output.get("data", {}).get("text/html", "")
                   for cell in json.loads(text)["cells"] for output in cell.get("outputs", [])]
        for html in outputs:
            html = "".join(html)
            assert re.findall(r"<script(?![^>]*application/json)[^>]*>", html) == [], notebook.name


@pytest.mark.parametrize("path", sorted(PACKAGE.rglob("*.py")), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_every_module_stays_small_enough_to_read(path):
    # About 300 lines, a little more for the one validator module, which every public function uses.
    assert len(path.read_text().splitlines()) <= (450 if path.name == "validate.py" else 400), \
        f"{path.name}: split it by job"
