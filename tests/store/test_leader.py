"""One leader at a time, elected through PostgreSQL; the embedded store's one instance leads."""

import psycopg

from tests.support import postgres_database
from wastewatch.store.leader import Leadership


def test_one_instance_leads_and_another_takes_over_when_its_connection_ends():
    with postgres_database() as url:
        a, b = Leadership(url, "a"), Leadership(url, "b")
        assert a.leads() and not b.leads()
        assert a.leads() and not b.leads()  # checked again: nothing moves
        a.close()  # a clean exit
        assert b.leads() and not a.leads()
        # The leader's connection cut under it (a kill -9, a failover): the server frees the lock.
        with psycopg.connect(url.replace("+psycopg", ""), autocommit=True) as admin:
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE application_name = 'wastewatch b'"
            )
        assert a.leads()
        assert not b.leads()  # b finds its connection gone, reconnects, and follows
        a.close()
        b.close()


def test_on_the_embedded_store_the_one_instance_leads():
    alone = Leadership(None, "a")
    assert alone.leads() and alone.leads()
