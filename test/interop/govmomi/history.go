// TaskManager.CreateCollectorForTasks and vim.TaskHistoryCollector, driven through govmomi 0.24.2.
//
// govmomi 0.24.2 has no task.Manager / task.HistoryCollector (those arrived in later releases):
// it offers object.HistoryCollector (Destroy, Reset, Rewind, SetPageSize) and the raw
// methods.CreateCollectorForTasks / ReadNextTasks / ReadPreviousTasks, plus
// mo.TaskHistoryCollector for latestPage. taskHistoryCollector below is the thin wrapper a
// 0.24.2 client would write, built only from those.
//
// Contract checked (the emulator's): a collector's items are the tasks matching its
// TaskFilterSpec, oldest first; the cursor starts at the oldest end; ReadNextTasks(n) returns up
// to n tasks newer than the cursor, oldest first; ReadPreviousTasks(n) up to n older ones, newest
// first; ResetCollector puts the cursor just before the latest page; latestPage is the newest
// pageSize (default 10) matching tasks, oldest first.
package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/property"
	"github.com/vmware/govmomi/vim25"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"
)

// taskHistoryCollector adds the TaskHistoryCollector calls to govmomi's object.HistoryCollector.
type taskHistoryCollector struct {
	*object.HistoryCollector
	c *vim25.Client
}

func createCollectorForTasks(ctx context.Context, c *vim25.Client, filter types.TaskFilterSpec) (*taskHistoryCollector, error) {
	res, err := methods.CreateCollectorForTasks(ctx, c, &types.CreateCollectorForTasks{
		This:   *c.ServiceContent.TaskManager,
		Filter: filter,
	})
	if err != nil {
		return nil, fmt.Errorf("CreateCollectorForTasks: %w", err)
	}
	return &taskHistoryCollector{HistoryCollector: object.NewHistoryCollector(c, res.Returnval), c: c}, nil
}

func (h *taskHistoryCollector) ReadNextTasks(ctx context.Context, maxCount int32) ([]types.TaskInfo, error) {
	res, err := methods.ReadNextTasks(ctx, h.c, &types.ReadNextTasks{This: h.Reference(), MaxCount: maxCount})
	if err != nil {
		return nil, err
	}
	return res.Returnval, nil
}

func (h *taskHistoryCollector) ReadPreviousTasks(ctx context.Context, maxCount int32) ([]types.TaskInfo, error) {
	res, err := methods.ReadPreviousTasks(ctx, h.c, &types.ReadPreviousTasks{This: h.Reference(), MaxCount: maxCount})
	if err != nil {
		return nil, err
	}
	return res.Returnval, nil
}

// LatestPage reads the latestPage property with the property collector.
func (h *taskHistoryCollector) LatestPage(ctx context.Context) ([]types.TaskInfo, error) {
	var o mo.TaskHistoryCollector
	if err := property.DefaultCollector(h.c).RetrieveOne(ctx, h.Reference(), []string{"latestPage"}, &o); err != nil {
		return nil, fmt.Errorf("RetrieveOne(%s, latestPage): %w", h.Reference().Value, err)
	}
	return o.LatestPage, nil
}

// destroyLater is for defer: collectors count against maxCollector for the session.
func (h *taskHistoryCollector) destroyLater() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = h.Destroy(ctx)
}

// ---------------------------------------------------------------------------------------------
// Helpers

// uniqueUser names a task initiator no other step (or earlier run against the same server) uses.
func uniqueUser(tag string) string {
	return fmt.Sprintf("history-%s-%d", tag, time.Now().UnixNano())
}

func byUser(user string) *types.TaskFilterSpecByUsername {
	return &types.TaskFilterSpecByUsername{UserList: []string{user}}
}

type newTask struct {
	obj           *types.ManagedObjectReference // default: the root folder
	initiatedBy   string
	parentTaskKey string
	activationId  string
}

// createTaskWith calls TaskManager.CreateTask with the optional arguments object.Task has no
// helper for.
func createTaskWith(ctx context.Context, c *vim25.Client, spec newTask) (*object.Task, *types.TaskInfo, error) {
	obj := c.ServiceContent.RootFolder
	if spec.obj != nil {
		obj = *spec.obj
	}
	res, err := methods.CreateTask(ctx, c, &types.CreateTask{
		This:          *c.ServiceContent.TaskManager,
		Obj:           obj,
		TaskTypeId:    TaskTypeID,
		InitiatedBy:   spec.initiatedBy,
		Cancelable:    true,
		ParentTaskKey: spec.parentTaskKey,
		ActivationId:  spec.activationId,
	})
	if err != nil {
		return nil, nil, fmt.Errorf("CreateTask(initiatedBy=%q, parentTaskKey=%q): %w", spec.initiatedBy, spec.parentTaskKey, err)
	}
	info := res.Returnval
	return object.NewTask(c, info.Task), &info, nil
}

// createUserTasks creates n tasks initiated by user and returns their keys in creation order.
func createUserTasks(ctx context.Context, c *vim25.Client, user string, n int) ([]string, error) {
	keys := make([]string, 0, n)
	for i := 0; i < n; i++ {
		_, ti, err := createTaskWith(ctx, c, newTask{initiatedBy: user})
		if err != nil {
			return nil, err
		}
		if r, ok := ti.Reason.(*types.TaskReasonUser); !ok || r.UserName != user {
			return nil, fmt.Errorf("CreateTask(initiatedBy=%q): reason = %#v, want TaskReasonUser{userName: %q}", user, ti.Reason, user)
		}
		keys = append(keys, ti.Key)
	}
	return keys, nil
}

// userTasksCollector creates n tasks initiated by a new unique user (uniqueUser(tag)) and a
// collector for that user's tasks; it returns the user, the task keys in creation order and the
// collector (the caller destroys it).
func userTasksCollector(ctx context.Context, c *vim25.Client, tag string, n int) (string, []string, *taskHistoryCollector, error) {
	user := uniqueUser(tag)
	keys, err := createUserTasks(ctx, c, user, n)
	if err != nil {
		return "", nil, nil, err
	}
	h, err := createCollectorForTasks(ctx, c, types.TaskFilterSpec{UserName: byUser(user)})
	if err != nil {
		return "", nil, nil, err
	}
	return user, keys, h, nil
}

func taskKeys(infos []types.TaskInfo) []string {
	keys := make([]string, len(infos))
	for i, ti := range infos {
		keys[i] = ti.Key
	}
	return keys
}

func reversed(keys []string) []string {
	out := make([]string, len(keys))
	for i, k := range keys {
		out[len(keys)-1-i] = k
	}
	return out
}

func sameKeys(what string, got, want []string) error {
	if strings.Join(got, ",") != strings.Join(want, ",") {
		return fmt.Errorf("%s: got %d tasks %v, want %d tasks %v", what, len(got), got, len(want), want)
	}
	return nil
}

// readAll pages with read(pageSize) until an empty page and returns the keys in the order read.
// Every page but the last must be full; more pages than the task count can fill is a failure.
func readAll(what string, want int, pageSize int32, read func(int32) ([]types.TaskInfo, error)) ([]string, error) {
	var keys []string
	for page := 0; ; page++ {
		if page > want/int(pageSize)+2 {
			return nil, fmt.Errorf("%s: still returning tasks after %d pages (%d keys: %v)", what, page, len(keys), keys)
		}
		infos, err := read(pageSize)
		if err != nil {
			return nil, fmt.Errorf("%s page %d: %v", what, page, err)
		}
		if len(infos) > int(pageSize) {
			return nil, fmt.Errorf("%s page %d: %d tasks for maxCount %d", what, page, len(infos), pageSize)
		}
		if len(infos) == 0 {
			return keys, nil
		}
		if len(infos) < int(pageSize) {
			// A short page must be the last one.
			more, err := read(pageSize)
			if err != nil {
				return nil, fmt.Errorf("%s after a short page: %v", what, err)
			}
			if len(more) != 0 {
				return nil, fmt.Errorf("%s: a short page (%d of %d) was followed by %d more tasks %v",
					what, len(infos), pageSize, len(more), taskKeys(more))
			}
			return append(keys, taskKeys(infos)...), nil
		}
		keys = append(keys, taskKeys(infos)...)
	}
}

// collect creates a collector for filter, reads every matching task with ReadNextTasks and
// destroys it.
func collect(ctx context.Context, c *vim25.Client, filter types.TaskFilterSpec) ([]string, error) {
	h, err := createCollectorForTasks(ctx, c, filter)
	if err != nil {
		return nil, err
	}
	defer h.destroyLater()
	infos, err := h.ReadNextTasks(ctx, 1000)
	if err != nil {
		return nil, fmt.Errorf("ReadNextTasks(1000): %v", err)
	}
	return taskKeys(infos), nil
}

// ---------------------------------------------------------------------------------------------
// Steps: history collector

func stepHistoryPageForwardBackward(ctx context.Context, e *env) error {
	const n = 30
	const pageSize = 7
	user, keys, h, err := userTasksCollector(ctx, e.admin, "paging", n)
	if err != nil {
		return err
	}
	defer h.destroyLater()
	ref := h.Reference()
	if ref.Type != "TaskHistoryCollector" {
		return fmt.Errorf("CreateCollectorForTasks returned %v, want a TaskHistoryCollector", ref)
	}

	// The cursor starts at the oldest end: nothing is older.
	prev, err := h.ReadPreviousTasks(ctx, pageSize)
	if err != nil {
		return fmt.Errorf("ReadPreviousTasks(%d) on a new collector: %v", pageSize, err)
	}
	if len(prev) != 0 {
		return fmt.Errorf("ReadPreviousTasks(%d) on a new collector returned %v, want none (cursor starts at the oldest end)", pageSize, taskKeys(prev))
	}

	var wrongUser []string
	read := func(r func(context.Context, int32) ([]types.TaskInfo, error)) func(int32) ([]types.TaskInfo, error) {
		return func(max int32) ([]types.TaskInfo, error) {
			infos, err := r(ctx, max)
			for _, ti := range infos {
				if u, ok := ti.Reason.(*types.TaskReasonUser); !ok || u.UserName != user {
					wrongUser = append(wrongUser, fmt.Sprintf("%s(reason %#v)", ti.Key, ti.Reason))
				}
			}
			return infos, err
		}
	}
	forward, err := readAll("ReadNextTasks", n, pageSize, read(h.ReadNextTasks))
	if err != nil {
		return err
	}
	if err := sameKeys(fmt.Sprintf("ReadNextTasks(%d) from the start", pageSize), forward, keys); err != nil {
		return err
	}
	backward, err := readAll("ReadPreviousTasks", n, pageSize, read(h.ReadPreviousTasks))
	if err != nil {
		return err
	}
	if err := sameKeys(fmt.Sprintf("ReadPreviousTasks(%d) from the end", pageSize), backward, reversed(keys)); err != nil {
		return err
	}
	if len(wrongUser) > 0 {
		return fmt.Errorf("tasks of another user returned: %v", wrongUser)
	}
	// Back at the oldest end: forwards again from the first task.
	again, err := h.ReadNextTasks(ctx, 3)
	if err != nil {
		return fmt.Errorf("ReadNextTasks(3) after reading back to the start: %v", err)
	}
	return sameKeys("ReadNextTasks(3) after reading back to the start", taskKeys(again), keys[:3])
}

func stepHistoryLatestPage(ctx context.Context, e *env) error {
	user, keys, h, err := userTasksCollector(ctx, e.admin, "latest", 12)
	if err != nil {
		return err
	}
	defer h.destroyLater()

	page, err := h.LatestPage(ctx)
	if err != nil {
		return err
	}
	if err := sameKeys("latestPage with the default page size (10)", taskKeys(page), keys[2:]); err != nil {
		return err
	}
	if err := h.SetPageSize(ctx, 5); err != nil {
		return fmt.Errorf("SetPageSize(5): %v", err)
	}
	if page, err = h.LatestPage(ctx); err != nil {
		return err
	}
	if err := sameKeys("latestPage after SetPageSize(5)", taskKeys(page), keys[7:]); err != nil {
		return err
	}
	// A new matching task joins the latest page; the oldest one leaves it.
	more, err := createUserTasks(ctx, e.admin, user, 1)
	if err != nil {
		return err
	}
	keys = append(keys, more...)
	if page, err = h.LatestPage(ctx); err != nil {
		return err
	}
	if err := sameKeys("latestPage after one more task", taskKeys(page), keys[8:]); err != nil {
		return err
	}
	// A task of another user does not.
	if _, err := createUserTasks(ctx, e.admin, user+"-other", 1); err != nil {
		return err
	}
	if page, err = h.LatestPage(ctx); err != nil {
		return err
	}
	if err := sameKeys("latestPage after another user's task", taskKeys(page), keys[8:]); err != nil {
		return err
	}
	// Full TaskInfo, not just keys.
	last := page[len(page)-1]
	if last.Task.Value != last.Key || last.State != types.TaskInfoStateQueued || last.DescriptionId != TaskTypeID {
		return fmt.Errorf("latestPage entry %s: task=%v state=%q descriptionId=%q", last.Key, last.Task, last.State, last.DescriptionId)
	}
	if err := h.SetPageSize(ctx, 0); err != nil {
		return fmt.Errorf("SetPageSize(0): %v", err)
	}
	if page, err = h.LatestPage(ctx); err != nil {
		return err
	}
	return sameKeys("latestPage after SetPageSize(0)", taskKeys(page), nil)
}

func stepHistoryResetRewind(ctx context.Context, e *env) error {
	user, keys, h, err := userTasksCollector(ctx, e.admin, "reset", 9)
	if err != nil {
		return err
	}
	defer h.destroyLater()
	if err := h.SetPageSize(ctx, 4); err != nil {
		return fmt.Errorf("SetPageSize(4): %v", err)
	}
	// Reset: just before the latest page (the 4 newest).
	if err := h.Reset(ctx); err != nil {
		return fmt.Errorf("ResetCollector: %v", err)
	}
	next, err := h.ReadNextTasks(ctx, 100)
	if err != nil {
		return fmt.Errorf("ReadNextTasks(100) after ResetCollector: %v", err)
	}
	if err := sameKeys("ReadNextTasks(100) after ResetCollector", taskKeys(next), keys[5:]); err != nil {
		return err
	}
	if err := h.Reset(ctx); err != nil {
		return fmt.Errorf("second ResetCollector: %v", err)
	}
	prev, err := h.ReadPreviousTasks(ctx, 100)
	if err != nil {
		return fmt.Errorf("ReadPreviousTasks(100) after ResetCollector: %v", err)
	}
	if err := sameKeys("ReadPreviousTasks(100) after ResetCollector", taskKeys(prev), reversed(keys[:5])); err != nil {
		return err
	}
	// Rewind: back to the oldest end.
	if err := h.Rewind(ctx); err != nil {
		return fmt.Errorf("RewindCollector: %v", err)
	}
	next, err = h.ReadNextTasks(ctx, 2)
	if err != nil {
		return fmt.Errorf("ReadNextTasks(2) after RewindCollector: %v", err)
	}
	if err := sameKeys("ReadNextTasks(2) after RewindCollector", taskKeys(next), keys[:2]); err != nil {
		return err
	}
	// A task created while paging is seen when the cursor reaches it.
	more, err := createUserTasks(ctx, e.admin, user, 1)
	if err != nil {
		return err
	}
	keys = append(keys, more...)
	next, err = h.ReadNextTasks(ctx, 100)
	if err != nil {
		return fmt.Errorf("ReadNextTasks(100) after a new task: %v", err)
	}
	return sameKeys("ReadNextTasks(100) after a new task", taskKeys(next), keys[2:])
}

func stepHistoryFilterState(ctx context.Context, e *env) error {
	user := uniqueUser("state")
	var queued, running, success, failed []string
	for i := 0; i < 8; i++ {
		t, ti, err := createTaskWith(ctx, e.admin, newTask{initiatedBy: user})
		if err != nil {
			return err
		}
		switch i % 4 {
		case 0:
			queued = append(queued, ti.Key)
			continue
		}
		if err := t.SetState(ctx, types.TaskInfoStateRunning, nil, nil); err != nil {
			return fmt.Errorf("SetState(running) on %s: %v", ti.Key, err)
		}
		switch i % 4 {
		case 1:
			running = append(running, ti.Key)
		case 2:
			if err := t.SetState(ctx, types.TaskInfoStateSuccess, nil, nil); err != nil {
				return fmt.Errorf("SetState(success) on %s: %v", ti.Key, err)
			}
			success = append(success, ti.Key)
		case 3:
			if err := t.SetState(ctx, types.TaskInfoStateError, nil,
				&types.LocalizedMethodFault{Fault: &types.NotFound{}, LocalizedMessage: "x"}); err != nil {
				return fmt.Errorf("SetState(error) on %s: %v", ti.Key, err)
			}
			failed = append(failed, ti.Key)
		}
	}
	merge := func(lists ...[]string) []string {
		var all []string
		for _, l := range lists {
			all = append(all, l...)
		}
		// Creation order = task number order.
		sortKeys(all)
		return all
	}
	cases := []struct {
		states []types.TaskInfoState
		want   []string
	}{
		{[]types.TaskInfoState{types.TaskInfoStateQueued}, queued},
		{[]types.TaskInfoState{types.TaskInfoStateRunning}, running},
		{[]types.TaskInfoState{types.TaskInfoStateSuccess, types.TaskInfoStateError}, merge(success, failed)},
		{[]types.TaskInfoState{types.TaskInfoStateQueued, types.TaskInfoStateRunning}, merge(queued, running)},
		{nil, merge(queued, running, success, failed)},
	}
	for _, c := range cases {
		got, err := collect(ctx, e.admin, types.TaskFilterSpec{UserName: byUser(user), State: c.states})
		if err != nil {
			return fmt.Errorf("state %v: %v", c.states, err)
		}
		if err := sameKeys(fmt.Sprintf("state filter %v", c.states), got, c.want); err != nil {
			return err
		}
	}
	// The filter is evaluated when reading: a running task completing leaves a running-only collector.
	h, err := createCollectorForTasks(ctx, e.admin, types.TaskFilterSpec{UserName: byUser(user), State: []types.TaskInfoState{types.TaskInfoStateRunning}})
	if err != nil {
		return err
	}
	defer h.destroyLater()
	done := object.NewTask(e.admin, types.ManagedObjectReference{Type: "Task", Value: running[0]})
	if err := done.SetState(ctx, types.TaskInfoStateSuccess, nil, nil); err != nil {
		return fmt.Errorf("SetState(success) on %s: %v", running[0], err)
	}
	page, err := h.LatestPage(ctx)
	if err != nil {
		return err
	}
	return sameKeys("latestPage of a running-only collector after one task succeeded", taskKeys(page), running[1:])
}

func sortKeys(keys []string) {
	num := func(k string) int {
		var n int
		fmt.Sscanf(k, "task-%d", &n)
		return n
	}
	for i := 1; i < len(keys); i++ {
		for j := i; j > 0 && num(keys[j]) < num(keys[j-1]); j-- {
			keys[j], keys[j-1] = keys[j-1], keys[j]
		}
	}
}

func stepHistoryFilterParent(ctx context.Context, e *env) error {
	c := e.admin
	_, parent, err := createTaskWith(ctx, c, newTask{})
	if err != nil {
		return err
	}
	var children []string
	for i := 0; i < 3; i++ {
		_, ti, err := createTaskWith(ctx, c, newTask{parentTaskKey: parent.Key})
		if err != nil {
			return err
		}
		if ti.ParentTaskKey != parent.Key || ti.RootTaskKey != parent.Key {
			return fmt.Errorf("child %s: parentTaskKey=%q rootTaskKey=%q, want both %q", ti.Key, ti.ParentTaskKey, ti.RootTaskKey, parent.Key)
		}
		children = append(children, ti.Key)
		// An unrelated task in between.
		if _, _, err := createTaskWith(ctx, c, newTask{}); err != nil {
			return err
		}
	}
	_, grandchild, err := createTaskWith(ctx, c, newTask{parentTaskKey: children[0]})
	if err != nil {
		return err
	}
	if grandchild.ParentTaskKey != children[0] || grandchild.RootTaskKey != parent.Key {
		return fmt.Errorf("grandchild %s: parentTaskKey=%q rootTaskKey=%q, want %q and %q",
			grandchild.Key, grandchild.ParentTaskKey, grandchild.RootTaskKey, children[0], parent.Key)
	}
	got, err := collect(ctx, c, types.TaskFilterSpec{ParentTaskKey: []string{parent.Key}})
	if err != nil {
		return err
	}
	if err := sameKeys("parentTaskKey filter ["+parent.Key+"]", got, children); err != nil {
		return err
	}
	got, err = collect(ctx, c, types.TaskFilterSpec{ParentTaskKey: []string{parent.Key, children[0]}})
	if err != nil {
		return err
	}
	if err := sameKeys("parentTaskKey filter [parent, first child]", got, append(append([]string{}, children...), grandchild.Key)); err != nil {
		return err
	}
	got, err = collect(ctx, c, types.TaskFilterSpec{RootTaskKey: []string{parent.Key}})
	if err != nil {
		return err
	}
	wantRoot := append(append([]string{}, children...), grandchild.Key)
	if parent.RootTaskKey == parent.Key {
		wantRoot = append([]string{parent.Key}, wantRoot...)
	}
	if err := sameKeys("rootTaskKey filter ["+parent.Key+"]", got, wantRoot); err != nil {
		return err
	}
	// An unknown parent is refused (the contract's InvalidArgument), and no task is created.
	_, _, err = createTaskWith(ctx, c, newTask{parentTaskKey: "task-999999999"})
	_, err = expectFault[types.InvalidArgument]("CreateTask with an unknown parentTaskKey", errors.Unwrap(err))
	return err
}

func stepHistoryFilterEntity(ctx context.Context, e *env) error {
	c := e.admin
	user := uniqueUser("entity")
	root := c.ServiceContent.RootFolder
	vmA := types.ManagedObjectReference{Type: "VirtualMachine", Value: "vm-" + user + "-a"}
	vmB := types.ManagedObjectReference{Type: "VirtualMachine", Value: "vm-" + user + "-b"}
	var onRoot, onA, onB, all []string
	for i, obj := range []types.ManagedObjectReference{root, vmA, vmB, vmA, root, vmB} {
		obj := obj
		_, ti, err := createTaskWith(ctx, c, newTask{obj: &obj, initiatedBy: user})
		if err != nil {
			return fmt.Errorf("task %d on %v: %v", i, obj, err)
		}
		if ti.Entity == nil || *ti.Entity != obj {
			return fmt.Errorf("task on %v: info.entity = %v", obj, ti.Entity)
		}
		switch obj {
		case root:
			onRoot = append(onRoot, ti.Key)
		case vmA:
			onA = append(onA, ti.Key)
		case vmB:
			onB = append(onB, ti.Key)
		}
		all = append(all, ti.Key)
	}
	cases := []struct {
		entity    types.ManagedObjectReference
		recursion types.TaskFilterSpecRecursionOption
		want      []string
	}{
		{root, types.TaskFilterSpecRecursionOptionSelf, onRoot},
		{root, types.TaskFilterSpecRecursionOptionChildren, all},
		{root, types.TaskFilterSpecRecursionOptionAll, all},
		{vmA, types.TaskFilterSpecRecursionOptionSelf, onA},
		{vmA, types.TaskFilterSpecRecursionOptionAll, onA},
		{vmB, types.TaskFilterSpecRecursionOptionChildren, onB},
	}
	for _, tc := range cases {
		got, err := collect(ctx, c, types.TaskFilterSpec{
			UserName: byUser(user),
			Entity:   &types.TaskFilterSpecByEntity{Entity: tc.entity, Recursion: tc.recursion},
		})
		if err != nil {
			return err
		}
		if err := sameKeys(fmt.Sprintf("entity filter %s/%s", tc.entity.Value, tc.recursion), got, tc.want); err != nil {
			return err
		}
	}
	return nil
}

func stepHistoryFilterTime(ctx context.Context, e *env) error {
	c := e.admin
	user := uniqueUser("time")
	var infos []*types.TaskInfo
	var tasks []*object.Task
	for i := 0; i < 6; i++ {
		if i > 0 {
			time.Sleep(15 * time.Millisecond) // distinct (millisecond) timestamps
		}
		t, ti, err := createTaskWith(ctx, c, newTask{initiatedBy: user})
		if err != nil {
			return err
		}
		infos = append(infos, ti)
		tasks = append(tasks, t)
	}
	keys := make([]string, len(infos))
	for i, ti := range infos {
		keys[i] = ti.Key
	}
	q := func(i int) *time.Time { t := infos[i].QueueTime; return &t }
	// Inclusive bounds on queueTime.
	cases := []struct {
		what       string
		begin, end *time.Time
		want       []string
	}{
		{"queuedTime [q1, q3]", q(1), q(3), keys[1:4]},
		{"queuedTime [q4, -]", q(4), nil, keys[4:]},
		{"queuedTime [-, q0]", nil, q(0), keys[:1]},
	}
	for _, tc := range cases {
		got, err := collect(ctx, c, types.TaskFilterSpec{
			UserName: byUser(user),
			Time:     &types.TaskFilterSpecByTime{TimeType: types.TaskFilterSpecTimeOptionQueuedTime, BeginTime: tc.begin, EndTime: tc.end},
		})
		if err != nil {
			return err
		}
		if err := sameKeys(tc.what, got, tc.want); err != nil {
			return err
		}
	}
	// startedTime / completedTime: tasks without that time never match.
	time.Sleep(15 * time.Millisecond)
	for _, i := range []int{1, 2, 4} {
		if err := tasks[i].SetState(ctx, types.TaskInfoStateRunning, nil, nil); err != nil {
			return fmt.Errorf("SetState(running) on %s: %v", keys[i], err)
		}
	}
	if err := tasks[2].SetState(ctx, types.TaskInfoStateSuccess, nil, nil); err != nil {
		return fmt.Errorf("SetState(success) on %s: %v", keys[2], err)
	}
	since := infos[0].QueueTime
	for _, tc := range []struct {
		kind types.TaskFilterSpecTimeOption
		want []string
	}{
		{types.TaskFilterSpecTimeOptionStartedTime, []string{keys[1], keys[2], keys[4]}},
		{types.TaskFilterSpecTimeOptionCompletedTime, []string{keys[2]}},
	} {
		got, err := collect(ctx, c, types.TaskFilterSpec{
			UserName: byUser(user),
			Time:     &types.TaskFilterSpecByTime{TimeType: tc.kind, BeginTime: &since},
		})
		if err != nil {
			return err
		}
		if err := sameKeys(string(tc.kind)+" since the first task", got, tc.want); err != nil {
			return err
		}
	}
	return nil
}

func stepHistoryDestroy(ctx context.Context, e *env) error {
	_, _, h, err := userTasksCollector(ctx, e.admin, "destroy", 2)
	if err != nil {
		return err
	}
	ref := h.Reference()
	if got, err := h.ReadNextTasks(ctx, 1); err != nil || len(got) != 1 {
		return fmt.Errorf("ReadNextTasks(1) before Destroy: %d tasks, %v", len(got), err)
	}
	if err := h.Destroy(ctx); err != nil {
		return fmt.Errorf("DestroyCollector: %v", err)
	}
	_, err = h.ReadNextTasks(ctx, 1)
	if err := expectManagedObjectNotFound("ReadNextTasks after DestroyCollector", err, ref); err != nil {
		return err
	}
	return expectEach([]namedCall{
		{"ReadPreviousTasks", func() error { _, err := h.ReadPreviousTasks(ctx, 1); return err }},
		{"SetCollectorPageSize", func() error { return h.SetPageSize(ctx, 3) }},
		{"RewindCollector", func() error { return h.Rewind(ctx) }},
		{"ResetCollector", func() error { return h.Reset(ctx) }},
		{"DestroyCollector", func() error { return h.Destroy(ctx) }},
	}, func(what string, err error) error {
		return expectManagedObjectNotFound(what+" after DestroyCollector", err, ref)
	})
}

func stepHistoryOtherSession(ctx context.Context, e *env) error {
	_, _, h, err := userTasksCollector(ctx, e.admin, "owner", 2)
	if err != nil {
		return err
	}
	defer h.destroyLater()
	ref := h.Reference()
	other := &taskHistoryCollector{HistoryCollector: object.NewHistoryCollector(e.other, ref), c: e.other}
	_, err = other.ReadNextTasks(ctx, 10)
	if err := expectManagedObjectNotFound("ReadNextTasks from another session", err, ref); err != nil {
		return err
	}
	if err := expectManagedObjectNotFound("DestroyCollector from another session", other.Destroy(ctx), ref); err != nil {
		return err
	}
	// Still the owner's, cursor untouched.
	got, err := h.ReadNextTasks(ctx, 10)
	if err != nil {
		return fmt.Errorf("owner ReadNextTasks after the other session's calls: %v", err)
	}
	if len(got) != 2 {
		return fmt.Errorf("owner ReadNextTasks returned %d tasks, want 2", len(got))
	}
	return nil
}

func stepHistoryMaxCollector(ctx context.Context, e *env) error {
	// A fresh session, so collectors left by other steps do not count.
	c, logout, err := loginAs(ctx, e, e.u.User)
	if err != nil {
		return err
	}
	defer logout()
	var tm mo.TaskManager
	if err := property.DefaultCollector(c).RetrieveOne(ctx, *c.ServiceContent.TaskManager, []string{"maxCollector"}, &tm); err != nil {
		return fmt.Errorf("RetrieveOne(TaskManager, maxCollector): %v", err)
	}
	if tm.MaxCollector <= 0 || tm.MaxCollector > 1000 {
		return fmt.Errorf("TaskManager.maxCollector = %d", tm.MaxCollector)
	}
	var hs []*taskHistoryCollector
	for i := int32(0); i < tm.MaxCollector; i++ {
		h, err := createCollectorForTasks(ctx, c, types.TaskFilterSpec{})
		if err != nil {
			return fmt.Errorf("collector %d of maxCollector %d: %v", i+1, tm.MaxCollector, err)
		}
		hs = append(hs, h)
	}
	_, err = createCollectorForTasks(ctx, c, types.TaskFilterSpec{})
	if err := expectInvalidState(fmt.Sprintf("collector %d (maxCollector %d)", tm.MaxCollector+1, tm.MaxCollector), errors.Unwrap(err)); err != nil {
		return err
	}
	// The limit is per session.
	h, err := createCollectorForTasks(ctx, e.other, types.TaskFilterSpec{})
	if err != nil {
		return fmt.Errorf("another session while this one is at maxCollector: %v", err)
	}
	h.destroyLater()
	// Destroying one frees a slot.
	if err := hs[0].Destroy(ctx); err != nil {
		return fmt.Errorf("DestroyCollector: %v", err)
	}
	if _, err := createCollectorForTasks(ctx, c, types.TaskFilterSpec{}); err != nil {
		return fmt.Errorf("after destroying one: %v", err)
	}
	return nil
}
