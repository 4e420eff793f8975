"""Output folders: hqml replaces only the files it wrote, and never deletes a user's file."""

import json
import string

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from experiments.atomic import MANIFEST, check_result_folder, owned_files
from experiments.report import RESULT_FILES, write_result_set

EMPTY = {"results": [], "summary": []}
ROWS = [{"fraction": 0.5, "n_train": 10, "split": 0, "method": "m", "r2": 0.5, "seconds": 1.0}]
SUMMARY = [{"fraction": 0.5, "n_train": 10, "method": "m", "r2_mean": 0.5, "r2_std": 0.0}]

user_names = st.lists(
    st.one_of(
        st.sampled_from((*RESULT_FILES, "thesis.tex", "src", ".git", "results.json.bak")),
        st.text(string.ascii_letters + string.digits + "._-", min_size=1, max_size=12).filter(
            lambda n: n not in (".", "..") and not n.startswith(".hqml")
        ),
    ),
    unique=True,
    max_size=6,
)


def _snapshot(folder):
    return {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(names=user_names)
def test_no_user_file_is_ever_deleted_or_overwritten(tmp_path_factory, names):
    folder = tmp_path_factory.mktemp("output")
    for index, name in enumerate(names):
        (folder / name).write_text(f"user file {index}")
    before = _snapshot(folder)
    if "results.json" in names:  # the one file an empty set writes
        with pytest.raises(ValueError, match=r"exists and hqml did not write it; expected"):
            write_result_set(folder, EMPTY)
    else:
        write_result_set(folder, EMPTY)
        write_result_set(folder, EMPTY)  # a second run replaces only its own set
        assert json.loads((folder / "results.json").read_text()) == EMPTY
    after = _snapshot(folder)
    assert {name: after.get(name) for name in before} == before
    assert not [p for p in folder.iterdir() if p.name.startswith(".hqml-new-")]


def test_a_smaller_set_removes_only_hqml_files_it_no_longer_writes(tmp_path):
    write_result_set(tmp_path, {"results": ROWS, "summary": SUMMARY})
    assert (tmp_path / "r2_by_method.png").is_file()
    (tmp_path / "notes.txt").write_text("mine")
    write_result_set(tmp_path, EMPTY)
    assert sorted(p.name for p in tmp_path.iterdir()) == [MANIFEST, "notes.txt", "results.json"]
    assert owned_files(tmp_path) == {"results.json"}


def test_a_forged_or_corrupt_manifest_owns_nothing(tmp_path):
    (tmp_path / "results.json").write_text("user")
    (tmp_path / MANIFEST).write_text("not json")
    with pytest.raises(ValueError, match=r"is not hqml's list of its files"):
        check_result_folder(tmp_path, RESULT_FILES)
    (tmp_path / MANIFEST).write_text(json.dumps({"written_by": "hqml", "files": ["../x"]}))
    assert owned_files(tmp_path) == set()  # a path outside the folder is never owned


def test_a_folder_in_place_of_a_result_file_is_refused(tmp_path):
    (tmp_path / "results.csv").mkdir()
    with pytest.raises(ValueError, match=r"results.csv exists and hqml did not write it"):
        check_result_folder(tmp_path, RESULT_FILES)


def test_a_second_writer_to_one_folder_is_refused_while_the_first_writes(tmp_path):
    """Issue 27 case 11: two writers interleaved their files under one valid manifest."""
    from experiments.atomic import ResultWriteError, replace_file_set

    output = tmp_path / "results"
    with replace_file_set(output, ["a.txt"]) as first:
        (first / "a.txt").write_text("first")
        with pytest.raises(ResultWriteError, match=r"another hqml process is writing results"):
            with replace_file_set(output, ["a.txt"]):
                pass
    assert (output / "a.txt").read_text() == "first"
    with replace_file_set(output, ["a.txt"]) as again:  # released: the next writer goes ahead
        (again / "a.txt").write_text("second")
    assert (output / "a.txt").read_text() == "second"


def test_a_full_disk_leaves_the_old_results_and_says_where_the_new_ones_are(tmp_path):
    """Issue 27 case 10: a full disk gave a raw OSError after the computation, results lost."""
    import errno

    from experiments.atomic import ResultWriteError, replace_file_set

    output = tmp_path / "results"
    with replace_file_set(output, ["a.txt", "b.txt"]) as first:
        (first / "a.txt").write_text("old")
    with pytest.raises(
        ResultWriteError, match=r"the disk holding .* is full .* is as it was"
    ) as caught:
        with replace_file_set(output, ["a.txt", "b.txt"]) as second:
            (second / "a.txt").write_text("new, complete")
            raise OSError(errno.ENOSPC, "No space left on device")
    assert (output / "a.txt").read_text() == "old"
    kept = str(caught.value).split("before the disk filled is in ")[1].split(". ")[0]
    assert (tmp_path / "results" / kept.split("/")[-1] / "a.txt").read_text() == "new, complete"
