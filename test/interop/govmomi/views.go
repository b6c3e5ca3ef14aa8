// The calls govc's inventory and task commands make, through govmomi 0.24.2's view, find and
// list packages: `govc tasks` (view.TaskView.Collect over TaskManager.recentTask), `govc tasks -f`
// (the same, following until a task finishes), `govc ls /` (find.Finder's
// ManagedObjectListChildren), `govc find / -maxdepth 1` (a non-recursive ContainerView on the
// root folder, then Finder.Element for each object), plus the SearchIndex and the faults of
// views. Expected answers are worked out from plain property reads of the root folder, so they
// hold for whatever inventory the server has.

package main

import (
	"context"
	"fmt"
	"path"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/vmware/govmomi/find"
	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/property"
	"github.com/vmware/govmomi/view"
	"github.com/vmware/govmomi/vim25"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"
)

func init() {
	steps = append(steps,
		step{"view_tasks", stepViewTasks},
		step{"view_tasks_follow", stepViewTasksFollow},
		step{"view_ls_root", stepViewLsRoot},
		step{"view_find_root_maxdepth1", stepViewFindRoot},
		step{"view_container_view", stepViewContainerView},
		step{"view_faults", stepViewFaults},
		step{"search_index", stepSearchIndex},
	)
}

// rootChildren reads the root folder's children and their names with plain RetrieveProperties
// calls: the answer the view- and finder-based steps must agree with.
func rootChildren(ctx context.Context, c *vim25.Client) (map[string]string, error) {
	pc := property.DefaultCollector(c)
	var root mo.Folder
	if err := pc.RetrieveOne(ctx, c.ServiceContent.RootFolder, []string{"childEntity"}, &root); err != nil {
		return nil, fmt.Errorf("root folder childEntity: %w", err)
	}
	names := make(map[string]string, len(root.ChildEntity))
	if len(root.ChildEntity) == 0 {
		return names, nil
	}
	var children []mo.ManagedEntity
	if err := pc.Retrieve(ctx, root.ChildEntity, []string{"name"}, &children); err != nil {
		return nil, fmt.Errorf("names of the root's children: %w", err)
	}
	for _, child := range children {
		names[child.Self.String()] = child.Name
	}
	return names, nil
}

// collectTasks runs govc tasks' TaskView (on TaskManager.recentTask) and returns the task infos
// its callback received, by task key (the last info of each).
func collectTasks(ctx context.Context, c *vim25.Client, follow bool, seen func(types.TaskInfo) bool) (map[string]types.TaskInfo, error) {
	v, err := view.NewManager(c).CreateTaskView(ctx, c.ServiceContent.TaskManager)
	if err != nil {
		return nil, fmt.Errorf("CreateTaskView: %w", err)
	}
	defer func() { _ = v.Destroy(context.Background()) }()
	v.Follow = follow
	got := map[string]types.TaskInfo{}
	var mu sync.Mutex
	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	err = v.Collect(cctx, func(infos []types.TaskInfo) {
		mu.Lock()
		defer mu.Unlock()
		for _, info := range infos {
			got[info.Key] = info
			if seen != nil && seen(info) {
				cancel()
			}
		}
	})
	if err != nil && !(follow && cctx.Err() != nil && ctx.Err() == nil) {
		return nil, fmt.Errorf("TaskView.Collect: %w", err)
	}
	return got, nil
}

func stepViewTasks(ctx context.Context, e *env) error {
	var made []string
	for i := 0; i < 3; i++ {
		t, _, err := createTask(ctx, e.admin, true)
		if err != nil {
			return err
		}
		made = append(made, t.Reference().Value)
	}
	if err := object.NewTask(e.admin, types.ManagedObjectReference{Type: "Task", Value: made[1]}).SetState(ctx, types.TaskInfoStateRunning, nil, nil); err != nil {
		return fmt.Errorf("SetState(running): %w", err)
	}
	got, err := collectTasks(ctx, e.admin, false, nil)
	if err != nil {
		return err
	}
	for i, key := range made {
		info, ok := got[key]
		if !ok {
			return fmt.Errorf("task %s (created just before) is not among the %d tasks govc tasks would print", key, len(got))
		}
		want := types.TaskInfoStateQueued
		if i == 1 {
			want = types.TaskInfoStateRunning
		}
		if info.State != want || info.Task.Value != key || info.EntityName != "Datacenters" {
			return fmt.Errorf("task %s: state %q entityName %q task %s, want %q, Datacenters, itself", key, info.State, info.EntityName, info.Task.Value, want)
		}
	}
	fmt.Printf("INFO view_tasks: %d recent tasks collected\n", len(got))
	return nil
}

func stepViewTasksFollow(ctx context.Context, e *env) error {
	t, err := taskIn(ctx, e.admin, true, types.TaskInfoStateRunning)
	if err != nil {
		return err
	}
	key := t.Reference().Value
	var once sync.Once
	var states []types.TaskInfoState
	var mu sync.Mutex
	completeErr := make(chan error, 1)
	got, err := collectTasks(ctx, e.other, true, func(info types.TaskInfo) bool {
		if info.Key != key {
			return false
		}
		mu.Lock()
		states = append(states, info.State)
		mu.Unlock()
		// Once the follower has seen the task running, another session finishes it.
		once.Do(func() {
			go func() {
				time.Sleep(100 * time.Millisecond)
				completeErr <- t.SetState(ctx, types.TaskInfoStateSuccess, nil, nil)
			}()
		})
		return info.State == types.TaskInfoStateSuccess
	})
	if err != nil {
		return err
	}
	if err := <-completeErr; err != nil {
		return fmt.Errorf("SetState(success): %w", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(states) < 2 || states[0] != types.TaskInfoStateRunning || states[len(states)-1] != types.TaskInfoStateSuccess {
		return fmt.Errorf("followed states of %s: %v, want running ... success", key, states)
	}
	if got[key].CompleteTime == nil {
		return fmt.Errorf("the followed task's last info has no completeTime")
	}
	return nil
}

func stepViewLsRoot(ctx context.Context, e *env) error {
	names, err := rootChildren(ctx, e.admin)
	if err != nil {
		return err
	}
	es, err := find.NewFinder(e.admin, false).ManagedObjectListChildren(ctx, "/")
	if err != nil {
		return fmt.Errorf("ManagedObjectListChildren(/): %w", err)
	}
	var got, want []string
	for _, el := range es {
		got = append(got, el.Path)
	}
	for _, name := range names {
		want = append(want, path.Join("/", name))
	}
	return samePaths("govc ls /", got, want)
}

func stepViewFindRoot(ctx context.Context, e *env) error {
	names, err := rootChildren(ctx, e.admin)
	if err != nil {
		return err
	}
	c := e.admin
	root := c.ServiceContent.RootFolder
	finder := find.NewFinder(c, false)
	// govc find prints the root itself when it matches (-name '*' matches everything).
	got := []string{"/"}
	v, err := view.NewManager(c).CreateContainerView(ctx, root, nil, false)
	if err != nil {
		return fmt.Errorf("CreateContainerView(root, recursive=false): %w", err)
	}
	defer func() { _ = v.Destroy(context.Background()) }()
	objs, err := v.Find(ctx, nil, property.Filter{"name": "*"})
	if err != nil {
		return fmt.Errorf("ContainerView.Find: %w", err)
	}
	for _, o := range objs {
		el, err := finder.Element(ctx, o)
		if err != nil {
			return fmt.Errorf("Finder.Element(%s): %w", o, err)
		}
		got = append(got, el.Path)
	}
	want := []string{"/"}
	for _, name := range names {
		want = append(want, path.Join("/", name))
	}
	if err := samePaths("govc find / -maxdepth 1", got, want); err != nil {
		return err
	}
	// Walking up from the root (govc find -p, govc ls -L) reads the root's parent, which is unset.
	ancestors, err := mo.Ancestors(ctx, c, c.ServiceContent.PropertyCollector, root)
	if err != nil {
		return fmt.Errorf("mo.Ancestors(root): %w", err)
	}
	if len(ancestors) != 1 || ancestors[0].Name != "Datacenters" || ancestors[0].Parent != nil {
		return fmt.Errorf("mo.Ancestors(root) = %+v, want the root folder alone", ancestors)
	}
	return nil
}

func samePaths(what string, got, want []string) error {
	sort.Strings(got)
	sort.Strings(want)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		return fmt.Errorf("%s printed %q, want %q", what, got, want)
	}
	return nil
}

// stepViewContainerView is the pyVmomi-style idiom in govmomi terms: a recursive container view
// of ManagedEntity on the root, its view property, and a retrieval through it, all agreeing with
// the root folder's children.
func stepViewContainerView(ctx context.Context, e *env) error {
	names, err := rootChildren(ctx, e.admin)
	if err != nil {
		return err
	}
	v, err := view.NewManager(e.admin).CreateContainerView(ctx, e.admin.ServiceContent.RootFolder, []string{"ManagedEntity"}, false)
	if err != nil {
		return fmt.Errorf("CreateContainerView: %w", err)
	}
	defer func() { _ = v.Destroy(context.Background()) }()
	var cv mo.ContainerView
	if err := property.DefaultCollector(e.admin).RetrieveOne(ctx, v.Reference(), []string{"view", "container", "recursive", "type"}, &cv); err != nil {
		return fmt.Errorf("read the view: %w", err)
	}
	if cv.Container != e.admin.ServiceContent.RootFolder || cv.Recursive || len(cv.Type) != 1 || cv.Type[0] != "ManagedEntity" {
		return fmt.Errorf("view reports container %s recursive %v type %v", cv.Container, cv.Recursive, cv.Type)
	}
	if len(cv.View) != len(names) {
		return fmt.Errorf("view holds %d objects, the root folder %d children", len(cv.View), len(names))
	}
	var entities []mo.ManagedEntity
	if err := v.Retrieve(ctx, []string{"ManagedEntity"}, []string{"name"}, &entities); err != nil {
		return fmt.Errorf("Retrieve through the view: %w", err)
	}
	for _, entity := range entities {
		if names[entity.Self.String()] != entity.Name {
			return fmt.Errorf("through the view %s is named %q; the root folder says %q", entity.Self, entity.Name, names[entity.Self.String()])
		}
	}
	if len(entities) != len(names) {
		return fmt.Errorf("retrieved %d entities through the view, want %d", len(entities), len(names))
	}
	return nil
}

func stepViewFaults(ctx context.Context, e *env) error {
	m := view.NewManager(e.admin)
	t, _, err := createTask(ctx, e.admin, false)
	if err != nil {
		return err
	}
	_, err = m.CreateContainerView(ctx, t.Reference(), nil, true)
	if f, err := expectFault[types.InvalidArgument]("CreateContainerView(container: a task)", err); err != nil {
		return err
	} else if f.InvalidProperty != "container" {
		return fmt.Errorf("InvalidArgument.invalidProperty = %q, want container", f.InvalidProperty)
	}
	_, err = m.CreateContainerView(ctx, e.admin.ServiceContent.RootFolder, []string{"NoSuchType"}, true)
	if f, err := expectFault[types.InvalidArgument]("CreateContainerView(type: NoSuchType)", err); err != nil {
		return err
	} else if f.InvalidProperty != "type" {
		return fmt.Errorf("InvalidArgument.invalidProperty = %q, want type", f.InvalidProperty)
	}
	lv, err := m.CreateListView(ctx, []types.ManagedObjectReference{t.Reference()})
	if err != nil {
		return fmt.Errorf("CreateListView: %w", err)
	}
	defer func() { _ = lv.Destroy(context.Background()) }()
	// Another session cannot see, change or destroy the view.
	theirs := view.NewListView(e.other, lv.Reference())
	if err := expectManagedObjectNotFound("another session's Add", theirs.Add(ctx, []types.ManagedObjectReference{t.Reference()}), lv.Reference()); err != nil {
		return err
	}
	if err := expectManagedObjectNotFound("another session's DestroyView", theirs.Destroy(ctx), lv.Reference()); err != nil {
		return err
	}
	var mine mo.ListView
	if err := property.DefaultCollector(e.admin).RetrieveOne(ctx, lv.Reference(), []string{"view"}, &mine); err != nil {
		return fmt.Errorf("read own view: %w", err)
	}
	if len(mine.View) != 1 || mine.View[0] != t.Reference() {
		return fmt.Errorf("own list view holds %v, want [%s]", mine.View, t.Reference())
	}
	return nil
}

func stepSearchIndex(ctx context.Context, e *env) error {
	names, err := rootChildren(ctx, e.admin)
	if err != nil {
		return err
	}
	si := object.NewSearchIndex(e.admin)
	root, err := si.FindByInventoryPath(ctx, "/")
	if err != nil {
		return fmt.Errorf("FindByInventoryPath(/): %w", err)
	}
	if root == nil || root.Reference() != e.admin.ServiceContent.RootFolder {
		return fmt.Errorf("FindByInventoryPath(/) = %v, want the root folder", root)
	}
	for ref, name := range names {
		found, err := si.FindByInventoryPath(ctx, "/"+name)
		if err != nil || found == nil || found.Reference().String() != ref {
			return fmt.Errorf("FindByInventoryPath(/%s) = %v, %v; want %s", name, found, err, ref)
		}
		child, err := si.FindChild(ctx, object.NewRootFolder(e.admin), name)
		if err != nil || child == nil || child.Reference().String() != ref {
			return fmt.Errorf("FindChild(root, %s) = %v, %v; want %s", name, child, err, ref)
		}
	}
	for _, missing := range []string{"/no-such-datacenter", "/no-such-datacenter/vm/web-01"} {
		if found, err := si.FindByInventoryPath(ctx, missing); err != nil || found != nil {
			return fmt.Errorf("FindByInventoryPath(%s) = %v, %v; want nothing", missing, found, err)
		}
	}
	if found, err := si.FindChild(ctx, object.NewRootFolder(e.admin), "no-such-datacenter"); err != nil || found != nil {
		return fmt.Errorf("FindChild(root, no-such-datacenter) = %v, %v; want nothing", found, err)
	}
	if found, err := si.FindByUuid(ctx, nil, "4210aaaa-0000-0000-0000-000000000001", true, nil); err != nil || found != nil {
		return fmt.Errorf("FindByUuid(unknown) = %v, %v; want nothing", found, err)
	}
	return nil
}
