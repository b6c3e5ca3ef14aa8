// EventManager through govmomi 0.24.2's event package: the calls `govc events` and
// `govc events -f` make, and the events of one task.
//
// govc events [-n N] runs event.NewManager(c).Events(ctx, [root folder], N, tail=false, force,
// cb): CreateCollectorForEvents (entity = root folder, recursion all), SetCollectorPageSize(N),
// then one property.Wait on the collector's latestPage, and for every event printed
// Manager.EventCategory (EventManager.description.eventInfo). govc events -f is the same with
// tail=true: the wait goes on, and each latestPage change hands the callback the events newer
// than the last one seen (govmomi's tailer reads latestPage newest first).
package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/vmware/govmomi/event"
	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/vim25"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/types"
)

func init() {
	steps = append(steps,
		step{"events_list", stepEventsList},
		step{"events_follow", stepEventsFollow},
		step{"events_task_chain", stepEventsTaskChain},
		step{"events_collector_paging", stepEventsCollectorPaging},
		step{"events_other_session", stepEventsOtherSession},
	)
}

// govcEventLine is the line govc events prints for one event (without the local time column).
func govcEventLine(ctx context.Context, m *event.Manager, e types.BaseEvent) (string, error) {
	cat, err := m.EventCategory(ctx, e)
	if err != nil {
		return "", fmt.Errorf("EventCategory: %w", err)
	}
	msg := strings.TrimSpace(e.GetEvent().FullFormattedMessage)
	if t, ok := e.(*types.TaskEvent); ok && t.Info.Entity != nil {
		msg = fmt.Sprintf("%s (target=%s %s)", msg, t.Info.Entity.Type, t.Info.EntityName)
	}
	return fmt.Sprintf("[%s] %s", cat, msg), nil
}

// taskEventChain creates a task and returns it with its eventChainId.
func taskEventChain(ctx context.Context, c *vim25.Client) (*object.Task, *types.TaskInfo, error) {
	t, ti, err := createTask(ctx, c, true)
	if err != nil {
		return nil, nil, err
	}
	if ti.EventChainId <= 0 {
		return nil, nil, fmt.Errorf("CreateTask returned eventChainId %d, want > 0", ti.EventChainId)
	}
	return t, ti, nil
}

func stepEventsList(ctx context.Context, e *env) error {
	// More events than the longest page asked for, the newest being this task's.
	var ti *types.TaskInfo
	for i := 0; i < 30; i++ {
		var err error
		if _, ti, err = taskEventChain(ctx, e.admin); err != nil {
			return err
		}
	}
	m := event.NewManager(e.admin)
	root := []types.ManagedObjectReference{e.admin.ServiceContent.RootFolder}
	for _, n := range []int32{25, 5} {
		var got []types.BaseEvent
		calls := 0
		err := m.Events(ctx, root, n, false, false, func(_ types.ManagedObjectReference, page []types.BaseEvent) error {
			calls++
			got = append(got, page...)
			return nil
		})
		if err != nil {
			return fmt.Errorf("Events(-n %d): %w", n, err)
		}
		if calls != 1 {
			return fmt.Errorf("Events(-n %d) called back %d times, want 1", n, calls)
		}
		if int32(len(got)) != n {
			return fmt.Errorf("Events(-n %d) returned %d events, want %d (the emulator holds more)", n, len(got), n)
		}
		event.Sort(got)
		for i := 1; i < len(got); i++ {
			if got[i].GetEvent().Key <= got[i-1].GetEvent().Key {
				return fmt.Errorf("Events(-n %d): keys not distinct: %d then %d", n, got[i-1].GetEvent().Key, got[i].GetEvent().Key)
			}
		}
		// The task just created is the newest event: the last line govc prints.
		last, ok := got[len(got)-1].(*types.TaskEvent)
		if !ok {
			return fmt.Errorf("Events(-n %d): newest event is %T, want *types.TaskEvent", n, got[len(got)-1])
		}
		if last.Key != ti.EventChainId || last.ChainId != ti.EventChainId || last.Info.Key != ti.Key {
			return fmt.Errorf("newest TaskEvent key=%d chainId=%d task=%s, want key=chainId=%d task=%s", last.Key, last.ChainId, last.Info.Key, ti.EventChainId, ti.Key)
		}
		line, err := govcEventLine(ctx, m, last)
		if err != nil {
			return err
		}
		want := fmt.Sprintf("[info] Task: %s (target=Folder %s)", TaskTypeID, ti.EntityName)
		if line != want {
			return fmt.Errorf("govc events line %q, want %q", line, want)
		}
		for _, ev := range got {
			if _, err := govcEventLine(ctx, m, ev); err != nil {
				return err
			}
		}
	}
	return nil
}

func stepEventsFollow(ctx context.Context, e *env) error {
	m := event.NewManager(e.admin)
	root := []types.ManagedObjectReference{e.admin.ServiceContent.RootFolder}
	followCtx, stop := context.WithCancel(ctx)
	defer stop()
	pages := make(chan []types.BaseEvent, 16)
	done := make(chan error, 1)
	go func() {
		done <- m.Events(followCtx, root, 10, true, false, func(_ types.ManagedObjectReference, page []types.BaseEvent) error {
			pages <- page
			return nil
		})
	}()
	next := func() ([]types.BaseEvent, error) {
		select {
		case p := <-pages:
			return p, nil
		case err := <-done:
			return nil, fmt.Errorf("Events(tail) returned early: %v", err)
		case <-time.After(5 * time.Second):
			return nil, errors.New("no events within 5 s")
		}
	}
	if _, err := next(); err != nil { // the latest page at start
		return fmt.Errorf("initial page: %w", err)
	}
	var want []string
	for i := 0; i < 3; i++ {
		t, _, err := createTask(ctx, e.other, true)
		if err != nil {
			return err
		}
		want = append(want, t.Reference().Value)
	}
	var seen []string
	for len(seen) < len(want) {
		page, err := next()
		if err != nil {
			return fmt.Errorf("after %v: %w", seen, err)
		}
		event.Sort(page)
		for _, ev := range page {
			te, ok := ev.(*types.TaskEvent)
			if !ok {
				return fmt.Errorf("followed a %T, want only the new TaskEvents", ev)
			}
			seen = append(seen, te.Info.Key)
		}
	}
	if strings.Join(seen, ",") != strings.Join(want, ",") {
		return fmt.Errorf("followed %v, want %v (each new task once, in order)", seen, want)
	}
	stop()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		return errors.New("Events(tail) did not return after its context was canceled")
	}
	return nil
}

func stepEventsTaskChain(ctx context.Context, e *env) error {
	t, ti, err := taskEventChain(ctx, e.admin)
	if err != nil {
		return err
	}
	m := event.NewManager(e.admin)
	chain := types.EventFilterSpec{EventChainId: ti.EventChainId}
	events, err := m.QueryEvents(ctx, chain)
	if err != nil {
		return fmt.Errorf("QueryEvents: %w", err)
	}
	if len(events) != 1 {
		return fmt.Errorf("QueryEvents(chain %d) returned %d events, want 1", ti.EventChainId, len(events))
	}
	te, ok := events[0].(*types.TaskEvent)
	if !ok || te.Info.Key != t.Reference().Value || te.Info.State != types.TaskInfoStateQueued || te.UserName != e.u.User.Username() {
		return fmt.Errorf("chain %d holds %#v, want the queued TaskEvent of %s by %s", ti.EventChainId, events[0], t.Reference().Value, e.u.User.Username())
	}
	posted := &types.ExtendedEvent{
		GeneralEvent:  types.GeneralEvent{Message: "step 1 of 3 done"},
		EventTypeId:   "com.example.interop.progress",
		ManagedObject: e.admin.ServiceContent.RootFolder,
	}
	if err := m.PostEvent(ctx, posted, *ti); err != nil {
		return fmt.Errorf("PostEvent: %w", err)
	}
	events, err = m.QueryEvents(ctx, chain)
	if err != nil {
		return fmt.Errorf("QueryEvents after PostEvent: %w", err)
	}
	if len(events) != 2 {
		return fmt.Errorf("chain %d holds %d events after PostEvent, want 2", ti.EventChainId, len(events))
	}
	ext, ok := events[0].(*types.ExtendedEvent)
	if !ok {
		return fmt.Errorf("newest event of the chain is %T, want *types.ExtendedEvent", events[0])
	}
	if ext.ChainId != ti.EventChainId || ext.Key <= ti.EventChainId || ext.Message != posted.Message || ext.EventTypeId != posted.EventTypeId || ext.UserName != e.u.User.Username() {
		return fmt.Errorf("posted event came back as %+v", ext.GetEvent())
	}
	byType, err := m.QueryEvents(ctx, types.EventFilterSpec{EventChainId: ti.EventChainId, EventTypeId: []string{"com.example.interop.progress"}})
	if err != nil || len(byType) != 1 {
		return fmt.Errorf("QueryEvents(chain, eventTypeId) = %d events, %v; want 1", len(byType), err)
	}
	return nil
}

func readEventKeys(ctx context.Context, h *event.HistoryCollector, next bool, n int32) ([]int32, error) {
	var page []types.BaseEvent
	var err error
	if next {
		page, err = h.ReadNextEvents(ctx, n)
	} else {
		page, err = h.ReadPreviousEvents(ctx, n)
	}
	keys := make([]int32, len(page))
	for i, ev := range page {
		keys[i] = ev.GetEvent().Key
	}
	return keys, err
}

func stepEventsCollectorPaging(ctx context.Context, e *env) error {
	// A user of its own, so that earlier runs against the same server select nothing.
	user := fmt.Sprintf("events-pager-%d", time.Now().UnixNano())
	var chains []int32
	for i := 0; i < 5; i++ {
		res, err := methods.CreateTask(ctx, e.admin, &types.CreateTask{
			This: *e.admin.ServiceContent.TaskManager, Obj: e.admin.ServiceContent.RootFolder, TaskTypeId: TaskTypeID, InitiatedBy: user,
		})
		if err != nil {
			return fmt.Errorf("CreateTask: %w", err)
		}
		chains = append(chains, res.Returnval.EventChainId)
	}
	m := event.NewManager(e.admin)
	h, err := m.CreateCollectorForEvents(ctx, types.EventFilterSpec{UserName: &types.EventFilterSpecByUsername{UserList: []string{user}}})
	if err != nil {
		return fmt.Errorf("CreateCollectorForEvents: %w", err)
	}
	defer func() { _ = h.Destroy(context.Background()) }()
	var forward []int32
	for {
		keys, err := readEventKeys(ctx, h, true, 2)
		if err != nil {
			return fmt.Errorf("ReadNextEvents: %w", err)
		}
		if len(keys) == 0 {
			break
		}
		forward = append(forward, keys...)
	}
	if fmt.Sprint(forward) != fmt.Sprint(chains) {
		return fmt.Errorf("ReadNextEvents paged %v, want %v", forward, chains)
	}
	back, err := readEventKeys(ctx, h, false, 3)
	if err != nil {
		return fmt.Errorf("ReadPreviousEvents: %w", err)
	}
	if fmt.Sprint(back) != fmt.Sprint([]int32{chains[4], chains[3], chains[2]}) {
		return fmt.Errorf("ReadPreviousEvents(3) = %v, want the three newest, newest first", back)
	}
	if err := h.SetPageSize(ctx, 2); err != nil {
		return fmt.Errorf("SetCollectorPageSize: %w", err)
	}
	latest, err := h.LatestPage(ctx)
	if err != nil {
		return fmt.Errorf("latestPage: %w", err)
	}
	if len(latest) != 2 || latest[0].GetEvent().Key != chains[4] || latest[1].GetEvent().Key != chains[3] {
		return fmt.Errorf("latestPage after SetCollectorPageSize(2) has %d events, want the two newest, newest first", len(latest))
	}
	if err := h.Rewind(ctx); err != nil {
		return fmt.Errorf("RewindCollector: %w", err)
	}
	first, err := readEventKeys(ctx, h, true, 1)
	if err != nil || len(first) != 1 || first[0] != chains[0] {
		return fmt.Errorf("after RewindCollector ReadNextEvents(1) = %v, %v; want [%d]", first, err, chains[0])
	}
	return nil
}

func stepEventsOtherSession(ctx context.Context, e *env) error {
	h, err := event.NewManager(e.admin).CreateCollectorForEvents(ctx, types.EventFilterSpec{})
	if err != nil {
		return fmt.Errorf("CreateCollectorForEvents: %w", err)
	}
	defer func() { _ = h.Destroy(context.Background()) }()
	theirs := event.NewHistoryCollector(e.other, h.Reference())
	_, err = theirs.ReadNextEvents(ctx, 1)
	if _, ferr := expectFault[types.ManagedObjectNotFound]("ReadNextEvents on another session's collector", err); ferr != nil {
		return ferr
	}
	return nil
}
