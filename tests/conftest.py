import pytest

from tests.support.services import free_port, start_assistant, trained_model


@pytest.fixture(scope="session")
def model():
    return trained_model()


@pytest.fixture(scope="session")
def widget_origin():
    """The origin of the demo page in the browser tests: the only page the widget channel accepts."""
    return f"http://127.0.0.1:{free_port()}"


@pytest.fixture(scope="session")
def assistant(model, widget_origin, tmp_path_factory):
    """The assistant as `make run` starts it, shared by the end-to-end tests of one session
    (REST channel, and the web widget channel open to `widget_origin`)."""
    running = start_assistant(tmp_path_factory.mktemp("assistant"), model, widget_origins=[widget_origin])
    yield running
    running.stop()


def pytest_terminal_summary(terminalreporter):
    from tests.support.metrics import MEASURED

    if MEASURED:
        terminalreporter.section("measured")
        for name, value in MEASURED.items():
            terminalreporter.write_line(f"{name}: {value}")
