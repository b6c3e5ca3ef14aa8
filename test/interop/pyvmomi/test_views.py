#!/usr/bin/python3
"""Interop suite: ViewManager, views and SearchIndex with pyVmomi 6.7.1.

Run against a running emulator (HTTPS, examples/users.json):

    VTASK_HOST=127.0.0.1 VTASK_PORT=18443 /usr/bin/python3 test_views.py -v

The CreateContainerView idiom of pyVmomi scripts: a recursive container view on the root folder,
its `view`, and a PropertyCollector retrieval through it (ObjectSpec on the view, skip, one
TraversalSpec over `view`). What the view must hold is worked out independently, by walking the
root folder's childEntity (and the containment properties below it) with plain reads, so the
suite holds for whatever inventory the server has.
"""

import os
import sys

from pyVmomi import vim, vmodl

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vtask_support as support  # noqa: E402  (after the path entry it needs)
from vtask_support import VIEWER  # noqa: E402

# The containment properties, by the type that declares them.
CONTAINMENT = [
    (vim.Folder, ['childEntity']),
    (vim.Datacenter, ['vmFolder', 'hostFolder', 'datastoreFolder', 'networkFolder']),
    (vim.ComputeResource, ['host', 'resourcePool']),
    (vim.ResourcePool, ['resourcePool', 'vm']),
    (vim.HostSystem, ['vm']),
]


def below(entity):
    """Every entity below `entity`, each once, by plain property reads."""
    seen, queue, found = {entity._moId}, [entity], []
    while queue:
        current = queue.pop(0)
        for kind, properties in CONTAINMENT:
            if not isinstance(current, kind):
                continue
            for name in properties:
                value = getattr(current, name)
                for child in (value if isinstance(value, list) else [value] if value is not None else []):
                    if child._moId not in seen:
                        seen.add(child._moId)
                        found.append(child)
                        queue.append(child)
    return found


def retrieve_through(si, view, view_type, entity_type, path):
    """RetrieveContents through the view, as pyVmomi scripts do; {moId: value of path}."""
    traversal = vmodl.query.PropertyCollector.TraversalSpec(name='traverseEntities', path='view', skip=False, type=view_type)
    spec = vmodl.query.PropertyCollector.FilterSpec(
        objectSet=[vmodl.query.PropertyCollector.ObjectSpec(obj=view, skip=True, selectSet=[traversal])],
        propSet=[vmodl.query.PropertyCollector.PropertySpec(type=entity_type, pathSet=[path])],
    )
    contents = si.content.propertyCollector.RetrieveContents([spec]) or []
    return {c.obj._moId: {p.name: p.val for p in c.propSet}.get(path) for c in contents}


class ViewsTest(support.SessionTestCase):
    def container_view(self, container, types, recursive=True, content=None):
        view = (content or self.content).viewManager.CreateContainerView(container, types, recursive)
        self.addCleanup(view.DestroyView)
        return view

    def test_container_view_of_the_root_folder(self):
        root = self.content.rootFolder
        everything = below(root)
        for types, expected in (
            ([vim.ManagedEntity], everything),
            ([vim.Folder], [e for e in everything if isinstance(e, vim.Folder)]),
        ):
            view = self.container_view(root, types, True)
            self.assertEqual(sorted(e._moId for e in view.view), sorted(e._moId for e in expected))
            self.assertEqual(view.container._moId, root._moId)
            self.assertTrue(view.recursive)
            self.assertRegex(view._moId, r'^session\[[0-9a-f-]{36}\][0-9a-f-]{36}$')
            names = retrieve_through(self.si, view, vim.view.ContainerView, vim.ManagedEntity, 'name')
            self.assertEqual(names, {e._moId: e.name for e in expected})
        self.assertEqual(root.name, 'Datacenters')

    def test_list_view_of_tasks_retrieved_through(self):
        tasks = [support.create_task(self.si, 'views').task for _ in range(3)]
        view = self.content.viewManager.CreateListView(tasks[:2])
        self.addCleanup(view.DestroyView)
        self.assertEqual([t._moId for t in view.view], [t._moId for t in tasks[:2]])
        states = retrieve_through(self.si, view, vim.view.ListView, vim.Task, 'info.state')
        self.assertEqual(states, {t._moId: 'queued' for t in tasks[:2]})
        view.ModifyListView(add=[tasks[2]], remove=[tasks[0]])
        self.assertEqual([t._moId for t in view.view], [t._moId for t in tasks[1:]])
        view.ResetListView(obj=[])
        self.assertEqual(list(view.view), [])

    def test_views_are_the_sessions_own(self):
        view = self.content.viewManager.CreateListView([])
        self.addCleanup(view.DestroyView)
        other = self.connect_as(*VIEWER)
        theirs = vim.view.ListView(view._moId, other._stub)
        with self.assertRaises(vmodl.fault.ManagedObjectNotFound):
            theirs.DestroyView()
        with self.assertRaises(vmodl.fault.ManagedObjectNotFound):
            theirs.view
        self.assertIn(view._moId, [v._moId for v in self.content.viewManager.viewList])
        self.assertEqual(list(other.content.viewManager.viewList or []), [])

    def test_bad_containers_and_types(self):
        # pyVmomi itself refuses a container that is not a ManagedEntity; one that does not exist
        # reaches the server.
        missing = vim.Datastore('datastore-nope', self.si._stub)
        with self.assertRaises(vmodl.fault.ManagedObjectNotFound) as raised:
            self.content.viewManager.CreateContainerView(missing, [vim.ManagedEntity], True)
        self.assertEqual(raised.exception.obj._moId, 'datastore-nope')
        with self.assertRaises(vmodl.fault.InvalidArgument) as raised:
            self.content.viewManager.CreateContainerView(self.content.rootFolder, [vim.Task], True)  # not an entity type
        self.assertEqual(raised.exception.invalidProperty, 'type')

    def test_destroyed_view_is_gone(self):
        view = self.content.viewManager.CreateContainerView(self.content.rootFolder, [vim.ManagedEntity], True)
        view.DestroyView()
        with self.assertRaises(vmodl.fault.ManagedObjectNotFound):
            view.view

    def test_search_index(self):
        search = self.content.searchIndex
        root = self.content.rootFolder
        self.assertEqual(search.FindByInventoryPath('/')._moId, root._moId)
        for child in root.childEntity:
            self.assertEqual(search.FindByInventoryPath('/' + child.name)._moId, child._moId)
            self.assertEqual(search.FindChild(root, child.name)._moId, child._moId)
        self.assertIsNone(search.FindByInventoryPath('/no-such-datacenter/vm/web-01'))
        self.assertIsNone(search.FindChild(root, 'no-such-datacenter'))
        self.assertIsNone(search.FindByUuid(None, '4210aaaa-0000-0000-0000-000000000001', True))


if __name__ == '__main__':
    support.main()
