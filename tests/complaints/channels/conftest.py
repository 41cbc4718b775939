import pytest

from complaints.models import Mailbox
from tests import factories
from tests.complaints.channels import servers


@pytest.fixture(scope="session")
def dovecot(tmp_path_factory):
    """Debian's dovecot on a free port with a config of our own (skipped without it, unless IMAP_REQUIRED)."""
    servers.require_dovecot()
    server = servers.start_dovecot(tmp_path_factory.mktemp("dovecot"))
    yield server
    servers.stop_dovecot(server)


@pytest.fixture
def stand_in():
    server = servers.start_stand_in()
    yield server
    server.server.shutdown()


@pytest.fixture
def department(sha):
    return factories.make_department(sha, "front-office", categories=["Billing"])


@pytest.fixture
def mailbox(sha):
    return Mailbox.objects.create(property=sha, address="frontoffice@sha.example")
