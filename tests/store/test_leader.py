"""One leader at a time, elected through PostgreSQL; the embedded store's one instance leads."""

import psycopg

from tests.support import postgres_database, wait_until
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
        # pg_terminate_backend only signals: the lock goes when that backend has exited.
        wait_until(a.leads, timeout=10, what="a to lead")
        assert not b.leads()  # b finds its connection gone, reconnects, and follows
        a.close()
        b.close()


def test_on_the_embedded_store_the_one_instance_leads():
    alone = Leadership(None, "a")
    assert alone.leads() and alone.leads()


def test_members_that_are_down_are_found_and_a_returning_one_waits_for_its_session():
    import threading
    import time

    from wastewatch.store.members import Membership

    with postgres_database() as url:
        a, b, other_group = Membership(url, "a", "g"), Membership(url, "b", "g"), Membership(url, "x", "h")
        for member in (a, b, other_group):
            member.join()
        assert a.absent() == [] and b.absent() == []  # both running; x is of another group
        b.close()  # b stops (or is killed: the server frees its lock either way)
        assert a.absent() == ["b"]  # now held by a
        assert a.absent() == []  # not handed out twice
        # b coming back waits while a empties its session…
        back = Membership(url, "b", "g")
        joined = threading.Event()
        threading.Thread(target=lambda: (back.join(timeout=20), joined.set()), daemon=True).start()
        time.sleep(1.5)
        assert not joined.is_set()
        a.rescued("b")  # …and is registered again once a is done
        assert joined.wait(10)
        assert a.absent() == []
        # b's own connection cut under it: keep() takes its lock again before anyone sees b as down.
        with psycopg.connect(url.replace("+psycopg", ""), autocommit=True) as admin:
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE application_name = 'wastewatch member b'"
            )
            gone = "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'wastewatch member b'"
            wait_until(lambda: admin.execute(gone).fetchone()[0] == 0, timeout=10, what="b's backend gone")
        back.keep()
        assert a.absent() == []
        for member in (a, back, other_group):
            member.close()
