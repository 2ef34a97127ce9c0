"""Run a Dockerfile's steps without Docker, to test the container recipe on a
machine (or CI runner) with no container engine.

The Dockerfile is parsed and its own instructions are carried out in order,
not a copy of them: COPY from the build context (honouring .dockerignore),
ENV, WORKDIR, RUN through ``sh -c`` and CMD as the container would start it.
The container's file system is a temporary folder, and its Python is a fresh
virtual environment into which RUN's ``pip install`` really installs the
package (not editable). What differs from a real image build:

- the base image is not pulled: the interpreter running the tests stands in
  for FROM's Python, and the package's dependencies come from the test
  environment (a .pth file), so pip runs offline (no index, no build
  isolation) and installs only the package itself;
- USER is not switched to; instead every file is checked to be readable by
  other users, which is what the unprivileged user needs.
"""

from __future__ import annotations

import fnmatch
import json
import os
import shlex
import shutil
import signal
import site
import subprocess
import sys
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path, PurePosixPath


@dataclass
class Instruction:
    keyword: str
    args: str
    line: int


def parse(text: str) -> list[Instruction]:
    """Instructions with line continuations joined and comments dropped."""
    instructions: list[Instruction] = []
    pending: list[str] = []
    start = 0
    for number, raw in enumerate(text.splitlines(), 1):
        stripped = raw.strip()
        if not pending and (not stripped or stripped.startswith("#")):
            continue
        if pending and stripped.startswith("#"):
            continue  # a comment line inside a continued instruction
        if not pending:
            start = number
        if stripped.endswith("\\"):
            pending.append(stripped[:-1].strip())
            continue
        pending.append(stripped)
        keyword, _, args = " ".join(p for p in pending if p).partition(" ")
        instructions.append(Instruction(keyword.upper(), args.strip(), start))
        pending = []
    if pending:
        raise ValueError(f"Dockerfile ends inside a continued instruction (line {start})")
    return instructions


def parse_env(args: str) -> dict[str, str]:
    words = shlex.split(args)
    if words and "=" not in words[0]:  # legacy form: ENV NAME value
        return {words[0]: " ".join(words[1:])}
    return dict(word.split("=", 1) for word in words)


def ignore_patterns(context: Path) -> list[str]:
    path = context / ".dockerignore"
    if not path.exists():
        return []
    lines = [line.strip() for line in path.read_text().splitlines()]
    return [line for line in lines if line and not line.startswith("#")]


def is_ignored(relative: str, patterns: list[str]) -> bool:
    """Whether .dockerignore excludes a context path or one of its parents."""
    parts = PurePosixPath(relative).parts
    candidates = ["/".join(parts[:i]) for i in range(1, len(parts) + 1)]
    for pattern in patterns:
        variants = [pattern.rstrip("/")]
        if pattern.startswith("**/"):
            variants.append(pattern[3:])
        for candidate in candidates:
            if any(fnmatch.fnmatchcase(candidate, v) for v in variants):
                return True
    return False


@dataclass
class Container:
    """The image being built: its file system, environment and start command."""

    context: Path
    root: Path
    venv: Path
    env: dict[str, str] = field(default_factory=dict)
    workdir: str = "/"
    user: str | None = None
    base_image: str = ""
    cmd: list[str] = field(default_factory=list)
    log: list[str] = field(default_factory=list)

    def host_path(self, container_path: str) -> Path:
        absolute = PurePosixPath(self.workdir) / container_path
        return self.root / str(absolute).lstrip("/")

    @property
    def cwd(self) -> Path:
        return self.host_path(".")


def make_python(venv: Path) -> None:
    """A fresh virtual environment standing in for the base image's Python."""
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    purelib = Path(
        subprocess.run(
            [
                str(venv / "bin" / "python"),
                "-c",
                "import sysconfig; print(sysconfig.get_paths()['purelib'])",
            ],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
    )
    # Dependencies from the test environment (linked, leaving out this
    # package's own installation), after the venv's own packages, so pip sees
    # them installed and the package itself can only come from RUN.
    dependencies = venv / "dependencies"
    dependencies.mkdir()
    for directory in site.getsitepackages():
        for entry in Path(directory).iterdir():
            name = entry.name.lower()
            if name.startswith(("datasette_heritage", "datasette-heritage", "__editable__")):
                continue
            if not (dependencies / entry.name).exists():
                (dependencies / entry.name).symlink_to(entry)
    (purelib / "zz-test-dependencies.pth").write_text(f"{dependencies}\n")
    # Their console scripts (datasette ...), run by the venv's Python.
    for dist in metadata.distributions():
        if (dist.metadata["Name"] or "").lower() == "datasette-heritage":
            continue
        for ep in dist.entry_points.select(group="console_scripts"):
            script = venv / "bin" / ep.name
            if script.exists():
                continue
            module, _, attr = ep.value.partition(":")
            script.write_text(
                f"#!{venv / 'bin' / 'python'}\n"
                f"import sys\nfrom {module} import {attr.split('.')[0]} as main\n"
                f"sys.exit(main())\n"
            )
            script.chmod(0o755)


def build(dockerfile: Path, context: Path, tmp: Path) -> Container:
    """Carry out every instruction up to (and recording) CMD."""
    container = Container(context=context, root=tmp / "rootfs", venv=tmp / "python")
    container.root.mkdir()
    make_python(container.venv)
    home = tmp / "home"
    home.mkdir()
    container.env = {
        "PATH": f"{container.venv / 'bin'}:/usr/local/bin:/usr/bin:/bin",
        "HOME": str(home),
        "LANG": "C.UTF-8",
        # Offline: dependencies are already there (see make_python).
        "PIP_NO_INDEX": "1",
        "PIP_NO_BUILD_ISOLATION": "0",
    }
    patterns = ignore_patterns(context)
    for instruction in parse(dockerfile.read_text()):
        step = STEPS.get(instruction.keyword)
        if step is None:
            raise AssertionError(
                f"Dockerfile:{instruction.line}: {instruction.keyword} "
                "is not carried out by tests/dockerfile.py"
            )
        step(container, instruction, patterns)
    return container


def _from(c: Container, i: Instruction, patterns) -> None:
    c.base_image = i.args


def _env(c: Container, i: Instruction, patterns) -> None:
    c.env.update(parse_env(i.args))


def _workdir(c: Container, i: Instruction, patterns) -> None:
    c.workdir = str(PurePosixPath(c.workdir) / i.args)
    c.cwd.mkdir(parents=True, exist_ok=True)


def _user(c: Container, i: Instruction, patterns) -> None:
    c.user = i.args


def _expose(c: Container, i: Instruction, patterns) -> None:
    pass


def _copy(c: Container, i: Instruction, patterns) -> None:
    *sources, dest = shlex.split(i.args)
    assert not any(s.startswith("--") for s in sources), f"COPY flags: {i.args}"
    target = c.host_path(dest)
    into_dir = dest.endswith("/") or len(sources) > 1
    for source in sources:
        src = c.context / source
        if not src.exists() or is_ignored(source, patterns):
            raise AssertionError(
                f"Dockerfile:{i.line}: COPY {source}: not in the build "
                "context (missing, or excluded by .dockerignore)"
            )
        if src.is_dir():
            _copy_tree(src, target, source, patterns)
        else:
            destination = target / src.name if into_dir else target
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, destination)
    c.log.append(f"COPY {i.args}")


def _copy_tree(src: Path, target: Path, relative: str, patterns) -> None:
    for path in sorted(src.rglob("*")):
        rel = f"{relative.rstrip('/')}/{path.relative_to(src).as_posix()}"
        if is_ignored(rel, patterns):
            continue
        destination = target / path.relative_to(src)
        if path.is_dir():
            destination.mkdir(parents=True, exist_ok=True)
        else:
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, destination)


def _run(c: Container, i: Instruction, patterns) -> None:
    result = subprocess.run(
        ["sh", "-c", i.args], cwd=c.cwd, env=c.env, capture_output=True, text=True
    )
    c.log.append(f"RUN {i.args}\n{result.stdout}{result.stderr}")
    if result.returncode != 0:
        raise AssertionError(
            f"Dockerfile:{i.line}: RUN failed ({result.returncode}):\n"
            f"{i.args}\n{result.stdout}\n{result.stderr}"
        )


def _cmd(c: Container, i: Instruction, patterns) -> None:
    if i.args.startswith("["):
        c.cmd = json.loads(i.args)  # exec form
    else:
        c.cmd = ["/bin/sh", "-c", i.args]  # shell form, as Docker runs it


STEPS = {
    "FROM": _from,
    "ENV": _env,
    "WORKDIR": _workdir,
    "COPY": _copy,
    "RUN": _run,
    "USER": _user,
    "EXPOSE": _expose,
    "CMD": _cmd,
}


def start(container: Container, port: int, log_path: Path) -> subprocess.Popen:
    """Start the container's CMD with $PORT set, as Cloud Run and Fly do, in
    its own process group, as a container's processes are."""
    env = dict(container.env, PORT=str(port))
    with open(log_path, "wb") as log:
        return subprocess.Popen(
            container.cmd,
            cwd=container.cwd,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def stop(process: subprocess.Popen, timeout: float = 15) -> int | None:
    """``docker stop``: SIGTERM to the command, then, as the container is
    removed, SIGKILL to whatever is left of it (a shell form CMD's shell does
    not pass the signal on). Returns the command's exit status, or None if it
    had to be killed."""
    process.send_signal(signal.SIGTERM)
    try:
        status: int | None = process.wait(timeout)
    except subprocess.TimeoutExpired:
        status = None
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait()
    return status


def unreadable_files(root: Path) -> list[str]:
    """Files the unprivileged USER could not read (not readable by others)."""
    return [
        str(p.relative_to(root))
        for p in root.rglob("*")
        if p.is_file() and not os.stat(p).st_mode & 0o004
    ]
