"""Same seed, same bytes; another seed, another county."""

from __future__ import annotations

from pathlib import Path

from minsheng.synth import SynthConfig, generate, write

FILES = ("households.csv", "persons.csv", "calibration.json", "calibration.md")


def _write(tmp: Path, seed: int) -> dict[str, bytes]:
    paths = write(
        generate(SynthConfig(county="110105", households=2_000, seed=seed)),
        tmp / f"seed{seed}-{len(list(tmp.iterdir()))}",
    )
    return {name: (paths["households"].parent / name).read_bytes() for name in FILES}


def test_same_seed_gives_identical_files(tmp_path: Path) -> None:
    first, second = _write(tmp_path, 5), _write(tmp_path, 5)
    for name in FILES:
        assert first[name] == second[name], name


def test_different_seeds_differ(tmp_path: Path) -> None:
    a, b = _write(tmp_path, 5), _write(tmp_path, 6)
    assert a["households.csv"] != b["households.csv"]
    assert a["persons.csv"] != b["persons.csv"]


def test_written_files(tmp_path: Path) -> None:
    pop = generate(SynthConfig(county="110105", households=300, seed=2))
    paths = write(pop, tmp_path / "out")
    assert set(paths) == {"households", "persons", "ground_truth", "calibration_md", "calibration_json"}
    header = paths["persons"].read_text(encoding="utf-8").splitlines()[0]
    assert header.split(",") == pop.persons.columns
    lines = paths["households"].read_text(encoding="utf-8").splitlines()
    assert len(lines) == 301
    # Money is written with two decimals; relation codes keep their leading zero.
    assert all(len(f.split(".")[1]) == 2 for f in lines[1].split(",")[4:5])
    assert ",02," in paths["persons"].read_text(encoding="utf-8")
    md = paths["calibration_md"].read_text(encoding="utf-8")
    assert "| statistic | group | target | generated |" in md
    assert md.count("\n| ") >= pop.calibration.height
