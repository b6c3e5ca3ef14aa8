#!/usr/bin/python3
"""Interop suite: the events of a task through EventManager, with pyVmomi 6.7.1.

Run against a running emulator (HTTPS, examples/users.json):

    VTASK_HOST=127.0.0.1 VTASK_PORT=18443 /usr/bin/python3 test_events.py -v

An extension creates a task (CreateTask with the task type the simulator extension registers,
on behalf of a user named by initiatedBy), finds the task's TaskEvent with QueryEvents on the
task's eventChainId, logs its own ExtendedEvent against the task with PostEvent and sees it on
the same chain, through QueryEvents and through an EventHistoryCollector.
"""

import datetime
import os
import sys
import uuid

from pyVmomi import vim

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vtask_support as support  # noqa: E402  (after the path entry it needs)
from vtask_support import CREATOR  # noqa: E402

EVENT_TYPE = 'com.example.pyvmomi.progress'


def extended_event(si, message):
    """An ExtendedEvent as an extension builds it; the server sets key, chainId, time and user."""
    return vim.event.ExtendedEvent(
        key=0, chainId=0, createdTime=datetime.datetime.now(datetime.timezone.utc), userName='',
        message=message, eventTypeId=EVENT_TYPE, managedObject=si.content.rootFolder)


class TaskEvents(support.SessionTestCase):

    def chain(self, chain_id):
        spec = vim.event.EventFilterSpec(eventChainId=chain_id)
        return self.content.eventManager.QueryEvents(filter=spec)

    def test_task_event_and_posted_event(self):
        user = 'events-%s' % uuid.uuid4().hex[:8]
        info = support.create_task(self.si, user)
        self.assertGreater(info.eventChainId, 0)

        events = self.chain(info.eventChainId)
        self.assertEqual(len(events), 1, events)
        task_event = events[0]
        self.assertIsInstance(task_event, vim.event.TaskEvent)
        self.assertEqual(task_event.key, info.eventChainId)
        self.assertEqual(task_event.chainId, info.eventChainId)
        self.assertEqual(task_event.info.key, info.key)
        self.assertEqual(task_event.info.state, 'queued')
        self.assertEqual(task_event.userName, user)
        self.assertEqual(task_event.fullFormattedMessage, 'Task: %s' % support.TASK_TYPE)

        self.content.eventManager.PostEvent(eventToPost=extended_event(self.si, 'halfway'), taskInfo=info)
        events = self.chain(info.eventChainId)
        self.assertEqual([type(e) for e in events], [vim.event.ExtendedEvent, vim.event.TaskEvent])
        posted = events[0]
        self.assertEqual(posted.chainId, info.eventChainId)
        self.assertGreater(posted.key, info.eventChainId)
        self.assertEqual(posted.message, 'halfway')
        self.assertEqual(posted.eventTypeId, EVENT_TYPE)
        self.assertEqual(posted.userName, support.ADMIN[0])

        # The same chain through a collector on the root folder and everything below it.
        spec = vim.event.EventFilterSpec(
            eventChainId=info.eventChainId,
            entity=vim.event.EventFilterSpec.ByEntity(entity=self.content.rootFolder, recursion='all'))
        collector = self.content.eventManager.CreateCollectorForEvents(filter=spec)
        self.addCleanup(collector.DestroyCollector)
        self.assertEqual([e.key for e in collector.latestPage], [e.key for e in events])
        self.assertEqual([e.key for e in collector.ReadNextEvents(10)], [task_event.key, posted.key])

    def test_post_event_needs_global_log_event(self):
        creator = self.connect_as(*CREATOR)
        with self.assertRaises(vim.fault.NoPermission) as raised:
            creator.content.eventManager.PostEvent(eventToPost=extended_event(creator, 'not allowed'))
        self.assertEqual(raised.exception.privilegeId, 'Global.LogEvent')

    def test_event_manager_properties(self):
        info = support.create_task(self.si, 'events-latest')
        manager = self.content.eventManager
        self.assertEqual(manager.latestEvent.chainId, info.eventChainId)
        # pyVmomi reads EventDetail.key as a type name, so it hands back the event class.
        categories = {detail.key: detail.category for detail in manager.description.eventInfo}
        self.assertEqual(categories[vim.event.TaskEvent], 'info')
        self.assertEqual(categories[vim.event.GeneralUserEvent], 'user')
        self.assertGreater(manager.maxCollector, 0)


if __name__ == '__main__':
    support.main()
