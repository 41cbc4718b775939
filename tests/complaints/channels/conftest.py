import shutil
import tempfile
from pathlib import Path

import pytest

from complaints.models import Mailbox
from tests import factories
from tests.complaints.channels import servers


@pytest.fixture(scope="session")
def dovecot():
    """Debian's dovecot on a free port with a config of our own (skipped without it, unless IMAP_REQUIRED).

    In a folder of its own under the system's temp folder: pytest's is private to its user, and dovecot's
    own processes (run as its users when the tests run as root) must read the config and the mail.
    """
    servers.require_dovecot()
    folder = Path(tempfile.mkdtemp(prefix="hotel-crm-dovecot-"))
    server = servers.start_dovecot(folder)
    yield server
    servers.stop_dovecot(server)
    shutil.rmtree(folder, ignore_errors=True)


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
