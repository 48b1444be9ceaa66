"""Publishing for a class: the GitHub Pages workflow and ghp-import, for those who publish by hand.

The workflow cannot run here, so its structure is checked: the conventional Jupyter Book
Pages job (checkout, Python 3.11, the README's build command, upload _build/html, deploy).
"""

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
WORKFLOW = ROOT / ".github" / "workflows" / "pages.yml"


def workflow():
    data = yaml.safe_load(WORKFLOW.read_text())
    data["on"] = data.pop(True, data.get("on"))      # YAML 1.1 reads the key `on` as True
    return data


def readme_build_command():
    """The first command of the README's quick start (the one that builds the site)."""
    readme = (ROOT / "README.md").read_text()
    block = re.search(r"## Quick start.*?```bash\n(.*?)```", readme, re.S)[1]
    first = block.splitlines()[0]
    return first.split("#", 1)[0].strip(), first


def uses(step):
    return step.get("uses", "").split("@")[0]


def test_the_workflow_is_valid_yaml_with_the_pages_shape():
    data = workflow()
    assert set(data) >= {"name", "on", "permissions", "jobs"}
    assert data["on"]["push"]["branches"] == ["main"] and "workflow_dispatch" in data["on"]
    assert data["permissions"] == {"contents": "read", "pages": "write", "id-token": "write"}
    assert set(data["jobs"]) == {"build", "deploy"}
    for job in data["jobs"].values():
        assert job["runs-on"] == "ubuntu-latest" and isinstance(job["steps"], list) and job["steps"]
        for step in job["steps"]:
            assert set(step) <= {"name", "id", "uses", "with", "run", "env"}, step
            assert ("uses" in step) != ("run" in step), step
            if "uses" in step:
                assert re.fullmatch(r"[\w-]+/[\w-]+@v\d+", step["uses"]), step["uses"]


def test_the_build_job_builds_with_the_readmes_command_and_uploads_the_html():
    build = workflow()["jobs"]["build"]["steps"]
    assert [uses(step) for step in build if "uses" in step] == [
        "actions/checkout", "actions/setup-python", "actions/upload-pages-artifact"]
    python = next(step for step in build if uses(step) == "actions/setup-python")
    assert str(python["with"]["python-version"]) == "3.11"
    runs = [step["run"].strip() for step in build if "run" in step]
    command, line = readme_build_command()
    assert command == "make book" and "_build/html" in line
    assert runs == [command]
    upload = next(step for step in build if uses(step) == "actions/upload-pages-artifact")
    assert upload["with"]["path"] == "_build/html"
    assert build.index(upload) > build.index(next(step for step in build if "run" in step))


def test_the_deploy_job_deploys_the_artifact_to_pages():
    deploy = workflow()["jobs"]["deploy"]
    assert deploy["needs"] == "build"
    assert deploy["environment"]["name"] == "github-pages"
    steps = deploy["steps"]
    assert [uses(step) for step in steps] == ["actions/deploy-pages"]
    assert deploy["environment"]["url"] == "${{ steps.%s.outputs.page_url }}" % steps[0]["id"]


def test_ghp_import_is_pinned_and_the_guide_uses_it():
    pins = (ROOT / "requirements.txt").read_text().splitlines()
    assert "ghp-import==2.1.0" in pins
    guide = (ROOT / "book" / "instructor-guide.md").read_text()
    assert ".venv/bin/ghp-import -n -p -f _build/html" in guide
    assert "not among the book's requirements" not in guide
    assert ".github/workflows/pages.yml" in guide


def test_the_built_guide_shows_the_configured_address(site):
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    page = (site / "book" / "instructor-guide.html").read_text()
    assert config["repository"]["url"] in page
    assert "{{" not in page and "repository_url" not in page
