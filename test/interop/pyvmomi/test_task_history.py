#!/usr/bin/python3
"""Interop suite: TaskManager.CreateCollectorForTasks / TaskHistoryCollector with pyVmomi 6.7.1.

Run against a running emulator (HTTPS, examples/users.json):

    VTASK_HOST=127.0.0.1 VTASK_PORT=18443 /usr/bin/python3 test_task_history.py -v

The emulator is shared with other suites and keeps every task, so each test tags its tasks
with a fresh initiatedBy user name and filters on it (TaskFilterSpec.userName.userList); what
other tests create never shows up in its collectors. Every collector is destroyed afterwards.

Contract under test: a collector's items are the tasks matching its filter, oldest first (by
creation). The cursor starts at the oldest end. ReadNextTasks(n) returns up to n tasks newer than
the cursor, oldest first; ReadPreviousTasks(n) up to n tasks older than it, newest first.
ResetCollector puts the cursor just before the latest page; latestPage is the newest pageSize
(default 10) matching tasks, oldest first.
"""

import os
import sys
import time
import uuid

from pyVmomi import vim, vmodl

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vtask_support as support  # noqa: E402  (after the path entry it needs)
from vtask_support import ADMIN, CREATOR, TASK_TYPE  # noqa: E402

DEFAULT_PAGE_SIZE = 10
MAX_COLLECTOR = 32


def keys(infos):
    return [info.key for info in (infos or [])]


def task_number(key):
    return int(key.rsplit('-', 1)[1])


def unique_user(label):
    return 'history-%s-%s' % (label, uuid.uuid4().hex[:12])


def by_user(*users):
    return vim.TaskFilterSpec.ByUsername(systemUser=False, userList=list(users))


class HistoryTestCase(support.SessionTestCase):
    """Shared admin connection plus helpers."""

    def create(self, user, si=None, **kwargs):
        """CreateTask on the root folder initiated by `user`; returns the TaskInfo."""
        return support.create_task(si or self.si, user, **kwargs)

    def create_many(self, user, count, si=None):
        return [self.create(user, si=si).key for _ in range(count)]

    def collector(self, si=None, **spec):
        """CreateCollectorForTasks(filter=TaskFilterSpec(**spec)), destroyed at cleanup."""
        content = (si or self.si).content
        collector = content.taskManager.CreateCollectorForTasks(filter=vim.TaskFilterSpec(**spec))
        self.assertIsInstance(collector, vim.TaskHistoryCollector)
        self.addCleanup(self._quiet_destroy, collector)
        return collector

    @staticmethod
    def _quiet_destroy(collector):
        try:
            collector.DestroyCollector()
        except vmodl.fault.ManagedObjectNotFound:
            pass  # the test destroyed it already
        except Exception:
            pass

    def read_all(self, collector, method, page_size):
        """collector.<method>(page_size) until it returns nothing; returns the list of pages."""
        pages = []
        for _ in range(1000):
            page = keys(getattr(collector, method)(maxCount=page_size))
            if not page:
                return pages
            pages.append(page)
        self.fail('%s never ran out' % method)

    def read_all_next(self, collector, page_size):
        return self.read_all(collector, 'ReadNextTasks', page_size)

    def read_all_prev(self, collector, page_size):
        return self.read_all(collector, 'ReadPreviousTasks', page_size)

    def assertPages(self, pages, expected, page_size, newest_first=False):
        """Pages of `page_size` (the last maybe shorter) that concatenate to `expected`."""
        flat = [key for page in pages for key in page]
        self.assertEqual(flat, expected)
        self.assertEqual(len(flat), len(set(flat)), 'a task was returned twice')
        sizes = [len(page) for page in pages]
        full, rest = divmod(len(expected), page_size)
        self.assertEqual(sizes, [page_size] * full + ([rest] if rest else []))
        for page in pages:
            numbers = [task_number(key) for key in page]
            self.assertEqual(numbers, sorted(numbers, reverse=newest_first), page)


class PagingTests(HistoryTestCase):

    PAGE = 7
    TASKS = 40

    def test_page_forward_and_backward_over_two_connections(self):
        user = unique_user('paging')
        noise_user = unique_user('noise')
        other = self.connect_as(*CREATOR)
        created = []
        for i in range(self.TASKS):
            # Alternate the creating connection, with unrelated tasks in between.
            created.append(self.create(user, si=other if i % 2 else self.si).key)
            if i % 5 == 0:
                self.create(noise_user, si=other)
        self.assertEqual(created, sorted(created, key=task_number))

        collector = self.collector(userName=by_user(user))

        # Forwards from the start: every task once, oldest first, in pages of 7.
        forward = self.read_all_next(collector, self.PAGE)
        self.assertPages(forward, created, self.PAGE)
        self.assertEqual(keys(collector.ReadNextTasks(maxCount=self.PAGE)), [],
                         'ReadNextTasks at the newest end must return nothing')

        # Backwards from the newest end: every task once, newest first, in pages of 7.
        backward = self.read_all_prev(collector, self.PAGE)
        self.assertPages(backward, list(reversed(created)), self.PAGE, newest_first=True)
        self.assertEqual(keys(collector.ReadPreviousTasks(maxCount=self.PAGE)), [],
                         'ReadPreviousTasks at the oldest end must return nothing')

        # And forwards again after reading all the way back: the same sequence.
        self.assertPages(self.read_all_next(collector, self.PAGE), created, self.PAGE)

        # RewindCollector goes back to the oldest end.
        collector.RewindCollector()
        self.assertEqual(keys(collector.ReadNextTasks(maxCount=self.PAGE)), created[:self.PAGE])

    def test_returned_task_infos_are_complete(self):
        user = unique_user('infos')
        info = self.create(user)
        collector = self.collector(userName=by_user(user))
        page = collector.ReadNextTasks(maxCount=5)
        self.assertEqual(len(page), 1)
        got = page[0]
        self.assertIsInstance(got, vim.TaskInfo)
        self.assertEqual(got.key, info.key)
        self.assertIsInstance(got.task, vim.Task)
        self.assertEqual(got.task._moId, info.key)
        self.assertEqual(got.descriptionId, TASK_TYPE)
        self.assertEqual(got.state, 'queued')
        self.assertIsInstance(got.reason, vim.TaskReasonUser)
        self.assertEqual(got.reason.userName, user)
        self.assertEqual(got.queueTime, info.queueTime)

    def test_read_next_sees_tasks_created_after_the_collector(self):
        user = unique_user('later')
        first = self.create_many(user, 3)
        collector = self.collector(userName=by_user(user))
        self.assertEqual(keys(collector.ReadNextTasks(maxCount=10)), first)
        self.assertEqual(keys(collector.ReadNextTasks(maxCount=10)), [])
        later = self.create_many(user, 2)
        self.assertEqual(keys(collector.ReadNextTasks(maxCount=10)), later)


class LatestPageTests(HistoryTestCase):

    def test_latest_page_default_size(self):
        user = unique_user('latest-default')
        created = self.create_many(user, DEFAULT_PAGE_SIZE + 3)
        collector = self.collector(userName=by_user(user))
        self.assertEqual(keys(collector.latestPage), created[-DEFAULT_PAGE_SIZE:])

    def test_latest_page_after_set_page_size_and_new_task(self):
        user = unique_user('latest')
        created = self.create_many(user, 12)
        collector = self.collector(userName=by_user(user))

        collector.SetCollectorPageSize(maxCount=5)
        self.assertEqual(keys(collector.latestPage), created[-5:])

        newest = self.create(user).key
        self.create(unique_user('other'))  # not matching: must not affect the page
        page = keys(collector.latestPage)
        self.assertEqual(page, created[-4:] + [newest])
        self.assertNotIn(created[-5], page, 'the oldest task should drop out of the page')

    def test_latest_page_watched_through_property_collector(self):
        # The way clients follow latestPage: a PropertyCollector filter plus WaitForUpdatesEx.
        user = unique_user('latest-watch')
        created = self.create_many(user, 3)
        collector = self.collector(userName=by_user(user))
        PC = vmodl.query.PropertyCollector
        pc = self.content.propertyCollector
        pfilter = pc.CreateFilter(PC.FilterSpec(
            objectSet=[PC.ObjectSpec(obj=collector)],
            propSet=[PC.PropertySpec(type=vim.TaskHistoryCollector, pathSet=['latestPage'])]),
            partialUpdates=False)
        self.addCleanup(pfilter.DestroyPropertyFilter)
        options = PC.WaitOptions(maxWaitSeconds=5)

        def next_page(version):
            update = pc.WaitForUpdatesEx(version=version, options=options)
            self.assertIsNotNone(update, 'no latestPage update within %ss' % options.maxWaitSeconds)
            changes = [change for fs in update.filterSet if fs.filter == pfilter
                       for obj in fs.objectSet if obj.obj == collector
                       for change in obj.changeSet if change.name == 'latestPage']
            self.assertEqual(len(changes), 1, update)
            return update.version, keys(changes[0].val)

        version, page = next_page('')
        self.assertEqual(page, created)

        # A new matching task enters the page.
        newest = self.create(user).key
        version, page = next_page(version)
        self.assertEqual(page, created + [newest])

        # A state change of a task on the page is an update of the page.
        vim.Task(newest, self.si._stub).SetTaskState(state='running')
        version, page = next_page(version)
        self.assertEqual(page, created + [newest])

        # A smaller page size drops the oldest.
        collector.SetCollectorPageSize(maxCount=2)
        version, page = next_page(version)
        self.assertEqual(page, [created[-1], newest])

    def test_latest_page_empty_when_nothing_matches(self):
        collector = self.collector(userName=by_user(unique_user('nobody')))
        self.assertEqual(keys(collector.latestPage), [])
        self.assertEqual(keys(collector.ReadNextTasks(maxCount=5)), [])
        self.assertEqual(keys(collector.ReadPreviousTasks(maxCount=5)), [])


class ResetTests(HistoryTestCase):

    def test_reset_then_read_prev_excludes_latest_page(self):
        user = unique_user('reset')
        created = self.create_many(user, 15)
        collector = self.collector(userName=by_user(user))
        collector.SetCollectorPageSize(maxCount=4)
        latest = keys(collector.latestPage)
        self.assertEqual(latest, created[-4:])

        collector.ResetCollector()
        older = keys(collector.ReadPreviousTasks(maxCount=100))
        self.assertEqual(older, list(reversed(created[:-4])))
        for key in latest:
            self.assertNotIn(key, older)

    def test_reset_then_read_next_returns_latest_page(self):
        user = unique_user('reset-next')
        created = self.create_many(user, 15)
        collector = self.collector(userName=by_user(user))
        collector.ReadNextTasks(maxCount=3)
        collector.ResetCollector()
        self.assertEqual(keys(collector.ReadNextTasks(maxCount=100)), created[-DEFAULT_PAGE_SIZE:])


class FilterTests(HistoryTestCase):

    def read_everything(self, collector):
        return keys(collector.ReadNextTasks(maxCount=1000))

    def test_state_filter(self):
        user = unique_user('state')
        queued = self.create(user).task
        running = self.create(user).task
        running.SetTaskState(state='running')
        succeeded = self.create(user).task
        succeeded.SetTaskState(state='running')
        succeeded.SetTaskState(state='success', result='ok')
        failed = self.create(user).task
        failed.SetTaskState(state='running')
        failed.SetTaskState(state='error', fault=vim.fault.NotFound(msg='x'))

        def matching(*states):
            collector = self.collector(userName=by_user(user), state=list(states))
            return self.read_everything(collector)

        self.assertEqual(matching('queued'), [queued._moId])
        self.assertEqual(matching('running'), [running._moId])
        self.assertEqual(matching('success'), [succeeded._moId])
        self.assertEqual(matching('error'), [failed._moId])
        self.assertEqual(matching('success', 'error'), [succeeded._moId, failed._moId])
        self.assertEqual(matching(), [queued._moId, running._moId, succeeded._moId, failed._moId])

    def test_state_filter_latest_page_follows_state_changes(self):
        user = unique_user('state-live')
        task = self.create(user).task
        collector = self.collector(userName=by_user(user), state=['running'])
        self.assertEqual(keys(collector.latestPage), [])
        task.SetTaskState(state='running')
        self.assertEqual(keys(collector.latestPage), [task._moId])
        task.SetTaskState(state='success')
        self.assertEqual(keys(collector.latestPage), [])

    def test_parent_and_root_task_key_filters(self):
        user = unique_user('tree')
        parent = self.create(user)
        child = self.create(user, parentTaskKey=parent.key)
        grandchild = self.create(user, parentTaskKey=child.key)
        self.create(user)  # unrelated
        self.assertEqual(child.parentTaskKey, parent.key)
        self.assertEqual(child.rootTaskKey, parent.key)
        self.assertEqual(grandchild.parentTaskKey, child.key)
        self.assertEqual(grandchild.rootTaskKey, parent.key)

        by_parent = self.collector(userName=by_user(user), parentTaskKey=[parent.key])
        self.assertEqual(self.read_everything(by_parent), [child.key])
        by_child = self.collector(userName=by_user(user), parentTaskKey=[child.key])
        self.assertEqual(self.read_everything(by_child), [grandchild.key])
        by_root = self.collector(userName=by_user(user), rootTaskKey=[parent.key])
        self.assertEqual(self.read_everything(by_root), [child.key, grandchild.key])
        # Without the userName filter too: nothing else has this parent.
        by_parent_only = self.collector(parentTaskKey=[parent.key])
        self.assertEqual(self.read_everything(by_parent_only), [child.key])

    def test_time_filter_begin_time(self):
        user = unique_user('time')
        before = self.create_many(user, 3)
        time.sleep(0.05)  # queueTime has millisecond resolution
        after_infos = [self.create(user) for _ in range(3)]
        after = keys(after_infos)
        begin = after_infos[0].queueTime
        self.assertGreater(begin, self.create_info_time(before[-1]))

        spec = vim.TaskFilterSpec.ByTime(timeType='queuedTime', beginTime=begin)
        collector = self.collector(userName=by_user(user), time=spec)
        self.assertEqual(self.read_everything(collector), after)

        until = vim.TaskFilterSpec.ByTime(timeType='queuedTime',
                                          endTime=self.create_info_time(before[-1]))
        collector = self.collector(userName=by_user(user), time=until)
        self.assertEqual(self.read_everything(collector), before)

    def test_time_filter_started_time(self):
        user = unique_user('started')
        never_started = self.create(user).task
        started = self.create(user).task
        started.SetTaskState(state='running')
        begin = started.info.startTime
        spec = vim.TaskFilterSpec.ByTime(timeType='startedTime', beginTime=begin)
        collector = self.collector(userName=by_user(user), time=spec)
        self.assertEqual(self.read_everything(collector), [started._moId])
        self.assertNotIn(never_started._moId, self.read_everything(collector))

    def create_info_time(self, key):
        return vim.Task(key, self.si._stub).info.queueTime

    def test_entity_filter_root_folder_self(self):
        user = unique_user('entity')
        created = self.create_many(user, 2)
        root = self.content.rootFolder
        for recursion in ('self', 'children', 'all'):
            with self.subTest(recursion=recursion):
                entity = vim.TaskFilterSpec.ByEntity(entity=root, recursion=recursion)
                collector = self.collector(userName=by_user(user), entity=entity)
                self.assertEqual(self.read_everything(collector), created)

    def test_user_filter_matches_only_listed_users(self):
        a, b, c = unique_user('a'), unique_user('b'), unique_user('c')
        ta = self.create(a).key
        tb = self.create(b).key
        self.create(c)
        collector = self.collector(userName=by_user(a, b))
        self.assertEqual(self.read_everything(collector), [ta, tb])


class LifecycleTests(HistoryTestCase):

    def test_destroy_then_read_next_raises_managed_object_not_found(self):
        user = unique_user('destroy')
        self.create(user)
        collector = self.collector(userName=by_user(user))
        self.assertEqual(len(collector.ReadNextTasks(maxCount=5)), 1)
        collector.DestroyCollector()
        with self.assertRaises(vmodl.fault.ManagedObjectNotFound) as ctx:
            collector.ReadNextTasks(maxCount=5)
        self.assertEqual(ctx.exception.obj._moId, collector._moId)

    def test_collector_belongs_to_its_session(self):
        user = unique_user('owner')
        self.create(user)
        collector = self.collector(userName=by_user(user))
        other = self.connect_as(*ADMIN)
        as_other = vim.TaskHistoryCollector(collector._moId, other._stub)
        with self.assertRaises(vmodl.fault.ManagedObjectNotFound):
            as_other.ReadNextTasks(maxCount=5)
        with self.assertRaises(vmodl.fault.ManagedObjectNotFound):
            as_other.DestroyCollector()
        # Nor can another session read its page.
        try:
            self.assertEqual(keys(as_other.latestPage), [])
        except vmodl.fault.ManagedObjectNotFound:
            pass
        # Still usable by its owner.
        self.assertEqual(len(collector.ReadNextTasks(maxCount=5)), 1)

    def test_max_collector_exceeded_raises_invalid_state(self):
        # A fresh session, so collectors of other tests do not count.
        si = self.connect_as(*ADMIN)
        limit = si.content.taskManager.maxCollector
        self.assertEqual(limit, MAX_COLLECTOR)
        spec = dict(userName=by_user(unique_user('max')))
        collectors = [self.collector(si=si, **spec) for _ in range(limit)]
        self.assertEqual(len({c._moId for c in collectors}), limit)
        with self.assertRaises(vim.fault.InvalidState):
            si.content.taskManager.CreateCollectorForTasks(filter=vim.TaskFilterSpec(**spec))
        # The limit is per session: another session can still create one.
        self.collector(**spec)
        # Destroying one makes room for one more.
        collectors[0].DestroyCollector()
        self.collector(si=si, **spec)
        with self.assertRaises(vim.fault.InvalidState):
            si.content.taskManager.CreateCollectorForTasks(filter=vim.TaskFilterSpec(**spec))
        # The rest are destroyed by the cleanups registered in self.collector.


class RecentTaskTests(HistoryTestCase):

    def test_recent_task_contains_just_created_task(self):
        info = self.create(unique_user('recent'))
        recent = [task._moId for task in self.content.taskManager.recentTask]
        self.assertIn(info.key, recent)


if __name__ == '__main__':
    support.main()
