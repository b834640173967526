import pytest

from tests.support.services import start_assistant, trained_model


@pytest.fixture(scope="session")
def model():
    return trained_model()


@pytest.fixture(scope="session")
def assistant(model, tmp_path_factory):
    """The assistant as `make run` starts it, shared by the end-to-end tests of one session."""
    running = start_assistant(tmp_path_factory.mktemp("assistant"), model)
    yield running
    running.stop()


def pytest_terminal_summary(terminalreporter):
    from tests.support.metrics import MEASURED

    if MEASURED:
        terminalreporter.section("measured")
        for name, value in MEASURED.items():
            terminalreporter.write_line(f"{name}: {value}")
