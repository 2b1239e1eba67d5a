import platform
from pathlib import Path

from imdb_sentiment.pipeline.environment import cpu_caches, cpu_model, machine_record, software_record
from imdb_sentiment.pipeline.io import read_json, write_text
from imdb_sentiment.pipeline.run_record import record_stage_run, updated_record


def test_updated_record_sets_one_stage_and_keeps_the_others() -> None:
    record = {"machine": {"python": "3.11.7"}, "stages": {"train": {"seconds": 124.0}}}
    updated = updated_record(record, "train_word2vec", 166.04, {"python": "3.13.0", "cpu_count": 2})
    assert updated == {
        "machine": {"python": "3.13.0", "cpu_count": 2},
        "stages": {"train": {"seconds": 124.0}, "train_word2vec": {"seconds": 166.0}},
    }
    assert record["stages"] == {"train": {"seconds": 124.0}}, "the input is not modified"


def test_two_stages_share_one_record(tmp_path) -> None:
    path = tmp_path / "metrics" / "run.json"
    record_stage_run(path, "train_word2vec", 1.0, machine_record())
    record_stage_run(path, "train", 2.0, machine_record(gpus=[]))
    record = read_json(path)
    assert record["stages"] == {"train": {"seconds": 2.0}, "train_word2vec": {"seconds": 1.0}}
    assert record["machine"]["device"] == "CPU" and record["machine"]["python"] == platform.python_version()


def test_an_unreadable_record_is_replaced(tmp_path) -> None:
    path = tmp_path / "run.json"
    write_text(path, "{ half written")
    record_stage_run(path, "train", 2.0, {})
    assert read_json(path)["stages"] == {"train": {"seconds": 2.0}}


def test_software_record_names_tensorflow_the_same_on_every_platform() -> None:
    packages = software_record()["packages"]
    assert "tensorflow" in packages and "tensorflow-cpu" not in packages
    assert {"keras", "gensim", "numpy", "dvc"} <= set(packages)
    assert set(machine_record()) == {"python", "platform", "machine", "cpu_count", "cpu"}


def test_the_machine_record_names_the_cpu_its_instruction_sets_and_caches(tmp_path: Path) -> None:
    cpu = machine_record()["cpu"]
    assert isinstance(cpu, dict) and set(cpu) == {"model", "instruction_sets", "caches"}
    assert cpu["model"]
    (tmp_path / "cpuinfo").write_text("processor\t: 0\nmodel name\t: AMD EPYC 9B14\nflags\t: fpu avx2\n")
    assert cpu_model(tmp_path / "cpuinfo") == "AMD EPYC 9B14"
    for index, (level, kind, size) in enumerate(
        [("1", "Data", "32K"), ("1", "Instruction", "32K"), ("2", "Unified", "1024K")]
    ):
        folder = tmp_path / "cache" / f"index{index}"
        folder.mkdir(parents=True)
        for name, value in (("level", level), ("type", kind), ("size", size)):
            (folder / name).write_text(value + "\n")
    assert cpu_caches(tmp_path / "cache") == {"L1d": "32K", "L1i": "32K", "L2": "1024K"}
