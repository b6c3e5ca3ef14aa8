// Command govmomi-interop drives a vtask-emulator server with the real govmomi
// 0.24.2 client library and checks the vim.Task contract from the client side, and the
// TaskManager.CreateCollectorForTasks / TaskHistoryCollector contract (history.go), and the
// EventManager calls govc events and govc events -f make (events.go).
//
// Usage:
//
//	govmomi-interop [-steps a,b,...] [-viewer user:pass] [-list] https://admin:admin@127.0.0.1:PORT/sdk
//
// It prints "PASS <step>" or "FAIL <step>: <reason>" for every step, plus "INFO ..." lines
// with measurements, and exits 1 if any step failed (2 on a usage or connection error).
//
// Build offline (GOPATH mode, Debian's golang-github-vmware-govmomi-dev):
//
//	GO111MODULE=off GOPATH=/usr/share/gocode go build -o bin/govmomi-interop .
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net/url"
	"os"
	"runtime/debug"
	"strings"
	"time"

	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/property"
	"github.com/vmware/govmomi/session"
	"github.com/vmware/govmomi/task"
	"github.com/vmware/govmomi/vim25"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

// TaskTypeID is the task type the emulator pre-registers (extension com.vmware.govmomi.simulator).
const TaskTypeID = "com.vmware.govmomi.simulator.test"

// stepTimeout bounds every step, so that a server that never answers (or a wait that never
// returns) fails that step instead of hanging the whole run.
const stepTimeout = 20 * time.Second

// maxWaitLatency is the (generous) bound between the completing call's return and the return
// of a concurrent task.Wait / WaitForResult / property.Wait.
const maxWaitLatency = 50 * time.Millisecond

// completeDelay is how long the concurrent completer sleeps before completing the task.
const completeDelay = 200 * time.Millisecond

type env struct {
	u      *url.URL      // server URL with the admin credentials
	viewer *url.Userinfo // a user with the ReadOnly role
	admin  *vim25.Client // logged-in admin client
	other  *vim25.Client // a second logged-in admin client (another session/connection)
}

type step struct {
	name string
	run  func(ctx context.Context, e *env) error
}

var steps = []step{
	{"create_task", stepCreateTask},
	{"set_state_running", stepSetStateRunning},
	{"update_progress", stepUpdateProgress},
	{"set_description", stepSetDescription},
	{"result_string", stepResultString},
	{"result_int32", stepResultInt32},
	{"result_moref", stepResultMoRef},
	{"set_state_error_fault", stepSetStateErrorFault},
	{"wait_concurrent", stepWaitConcurrent},
	{"wait_for_result_concurrent", stepWaitForResultConcurrent},
	{"wait_for_result_error", stepWaitForResultError},
	{"wait_for_result_canceled", stepWaitForResultCanceled},
	{"property_wait_state", stepPropertyWaitState},
	{"cancel_queued", stepCancelQueued},
	{"cancel_running", stepCancelRunning},
	{"cancel_again_invalid_state", stepCancelAgain},
	{"cancel_not_cancelable", stepCancelNotCancelable},
	{"cancel_as_viewer", stepCancelAsViewer},
	{"fault_running_to_queued", stepFaultRunningToQueued},
	{"fault_change_after_success", stepFaultChangeAfterSuccess},
	{"fault_result_with_error_state", stepFaultResultWithErrorState},
	{"fault_progress_on_queued", stepFaultProgressOnQueued},
	{"fault_non_vimfault", stepFaultNonVimFault},
	{"fault_managed_object_not_found", stepFaultManagedObjectNotFound},
	{"fault_no_permission", stepFaultNoPermission},
	{"fault_invalid_login", stepFaultInvalidLogin},
	{"fault_not_authenticated_no_login", stepFaultNotAuthenticatedNoLogin},
	{"fault_not_authenticated_after_logout", stepFaultNotAuthenticatedAfterLogout},
	{"history_page_forward_backward", stepHistoryPageForwardBackward},
	{"history_latest_page", stepHistoryLatestPage},
	{"history_reset_rewind", stepHistoryResetRewind},
	{"history_filter_state", stepHistoryFilterState},
	{"history_filter_parent", stepHistoryFilterParent},
	{"history_filter_entity", stepHistoryFilterEntity},
	{"history_filter_time", stepHistoryFilterTime},
	{"history_destroy", stepHistoryDestroy},
	{"history_other_session", stepHistoryOtherSession},
	{"history_max_collector", stepHistoryMaxCollector},
}

func main() {
	only := flag.String("steps", "", "comma-separated step names to run (default: all)")
	viewer := flag.String("viewer", "viewer:viewer", "user:password of a ReadOnly user")
	list := flag.Bool("list", false, "print the step names and exit")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "usage: %s [flags] https://user:pass@host:port/sdk\n", os.Args[0])
		flag.PrintDefaults()
	}
	flag.Parse()

	if *list {
		for _, s := range steps {
			fmt.Println(s.name)
		}
		return
	}
	if flag.NArg() != 1 {
		flag.Usage()
		os.Exit(2)
	}

	selected, err := selectSteps(*only)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}

	u, err := soap.ParseURL(flag.Arg(0))
	if err != nil || u == nil {
		fmt.Fprintf(os.Stderr, "bad URL %q: %v\n", flag.Arg(0), err)
		os.Exit(2)
	}
	vu, vp, ok := strings.Cut(*viewer, ":")
	if !ok {
		fmt.Fprintln(os.Stderr, "-viewer must be user:password")
		os.Exit(2)
	}

	ctx := context.Background()
	e := &env{u: u, viewer: url.UserPassword(vu, vp)}
	if e.admin, err = login(ctx, u, u.User); err != nil {
		fmt.Fprintf(os.Stderr, "cannot log in as %s: %v\n", u.User.Username(), err)
		os.Exit(2)
	}
	if e.other, err = login(ctx, u, u.User); err != nil {
		fmt.Fprintf(os.Stderr, "cannot log in a second session: %v\n", err)
		os.Exit(2)
	}

	failed := 0
	for _, s := range selected {
		if err := runStep(ctx, e, s); err != nil {
			failed++
			fmt.Printf("FAIL %s: %s\n", s.name, oneLine(err.Error()))
		} else {
			fmt.Printf("PASS %s\n", s.name)
		}
	}

	_ = session.NewManager(e.admin).Logout(ctx)
	_ = session.NewManager(e.other).Logout(ctx)

	fmt.Printf("SUMMARY %d passed, %d failed\n", len(selected)-failed, failed)
	if failed > 0 {
		os.Exit(1)
	}
}

func selectSteps(only string) ([]step, error) {
	if only == "" {
		return steps, nil
	}
	var out []step
	for _, name := range strings.Split(only, ",") {
		name = strings.TrimSpace(name)
		found := false
		for _, s := range steps {
			if s.name == name {
				out = append(out, s)
				found = true
			}
		}
		if !found {
			return nil, fmt.Errorf("unknown step %q (see -list)", name)
		}
	}
	return out, nil
}

func runStep(parent context.Context, e *env, s step) (err error) {
	ctx, cancel := context.WithTimeout(parent, stepTimeout)
	defer cancel()
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v\n%s", r, debug.Stack())
		}
	}()
	err = s.run(ctx, e)
	if err == nil && ctx.Err() != nil {
		err = fmt.Errorf("step exceeded %s", stepTimeout)
	}
	return err
}

func oneLine(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "\r", ""), "\n", " | ")
}

// ---------------------------------------------------------------------------------------------
// Client helpers

// newClient connects (RetrieveServiceContent) without logging in.
func newClient(ctx context.Context, u *url.URL) (*vim25.Client, error) {
	cu := *u
	cu.User = nil
	return vim25.NewClient(ctx, soap.NewClient(&cu, true))
}

func login(ctx context.Context, u *url.URL, user *url.Userinfo) (*vim25.Client, error) {
	c, err := newClient(ctx, u)
	if err != nil {
		return nil, err
	}
	if err := session.NewManager(c).Login(ctx, user); err != nil {
		return nil, err
	}
	return c, nil
}

// loginAs logs a new session in as user; logout ends it (for defer).
func loginAs(ctx context.Context, e *env, user *url.Userinfo) (c *vim25.Client, logout func(), err error) {
	if c, err = login(ctx, e.u, user); err != nil {
		return nil, nil, fmt.Errorf("login as %s: %v", user.Username(), err)
	}
	return c, func() { _ = session.NewManager(c).Logout(context.Background()) }, nil
}

// createTask calls TaskManager.CreateTask on the root folder and returns the new task.
func createTask(ctx context.Context, c *vim25.Client, cancelable bool) (*object.Task, *types.TaskInfo, error) {
	if c.ServiceContent.TaskManager == nil {
		return nil, nil, errors.New("ServiceContent.taskManager is missing")
	}
	res, err := methods.CreateTask(ctx, c, &types.CreateTask{
		This:       *c.ServiceContent.TaskManager,
		Obj:        c.ServiceContent.RootFolder,
		TaskTypeId: TaskTypeID,
		Cancelable: cancelable,
	})
	if err != nil {
		return nil, nil, fmt.Errorf("CreateTask: %w", err)
	}
	info := res.Returnval
	return object.NewTask(c, info.Task), &info, nil
}

// taskIn creates a task (createTask) and moves it to state: queued leaves it as created, running
// sets it running, success sets it running and then successful (without a result).
func taskIn(ctx context.Context, c *vim25.Client, cancelable bool, state types.TaskInfoState) (*object.Task, error) {
	var path []types.TaskInfoState
	switch state {
	case types.TaskInfoStateQueued:
	case types.TaskInfoStateRunning:
		path = []types.TaskInfoState{types.TaskInfoStateRunning}
	case types.TaskInfoStateSuccess:
		path = []types.TaskInfoState{types.TaskInfoStateRunning, types.TaskInfoStateSuccess}
	default:
		return nil, fmt.Errorf("taskIn: no way to state %q", state)
	}
	t, _, err := createTask(ctx, c, cancelable)
	if err != nil {
		return nil, err
	}
	for _, s := range path {
		if err := t.SetState(ctx, s, nil, nil); err != nil {
			return nil, fmt.Errorf("SetState(%s): %w", s, err)
		}
	}
	return t, nil
}

// info reads task.info with property.DefaultCollector(c).RetrieveOne.
func info(ctx context.Context, c *vim25.Client, ref types.ManagedObjectReference) (*types.TaskInfo, error) {
	var t mo.Task
	if err := property.DefaultCollector(c).RetrieveOne(ctx, ref, []string{"info"}, &t); err != nil {
		return nil, fmt.Errorf("RetrieveOne(%s, info): %w", ref.Value, err)
	}
	return &t.Info, nil
}

func expectState(ti *types.TaskInfo, want types.TaskInfoState) error {
	if ti.State != want {
		return fmt.Errorf("info.state = %q, want %q", ti.State, want)
	}
	return nil
}

// expectTaskState reads task.info through c and checks its state; it returns the info read.
func expectTaskState(ctx context.Context, c *vim25.Client, ref types.ManagedObjectReference, want types.TaskInfoState) (*types.TaskInfo, error) {
	ti, err := info(ctx, c, ref)
	if err != nil {
		return nil, err
	}
	if err := expectState(ti, want); err != nil {
		return nil, err
	}
	return ti, nil
}

// vimFault returns the fault carried by a SOAP fault error, or an error describing what err is.
func vimFault(err error) (types.AnyType, error) {
	if err == nil {
		return nil, errors.New("call succeeded, want a SOAP fault")
	}
	if !soap.IsSoapFault(err) {
		return nil, fmt.Errorf("error is not a SOAP fault: %T %v", err, err)
	}
	f := soap.ToSoapFault(err).VimFault()
	if f == nil {
		return nil, fmt.Errorf("SOAP fault without a typed detail (xsi:type missing?): %v", err)
	}
	return f, nil
}

// expectFault checks that err (of the call `what`) is a SOAP fault carrying a vim fault of
// type F, e.g. expectFault[types.InvalidState], and returns that fault.
func expectFault[F any](what string, err error) (F, error) {
	var want F
	f, ferr := vimFault(err)
	if ferr != nil {
		return want, fmt.Errorf("%s: %v", what, ferr)
	}
	got, ok := f.(F)
	if !ok {
		return want, fmt.Errorf("%s: fault %T, want %T (%v)", what, f, want, err)
	}
	return got, nil
}

func expectInvalidState(what string, err error) error {
	_, err = expectFault[types.InvalidState](what, err)
	return err
}

func expectNotSupported(what string, err error) error {
	_, err = expectFault[types.NotSupported](what, err)
	return err
}

func expectNotAuthenticated(what string, err error, obj types.ManagedObjectReference) error {
	f, err := expectFault[types.NotAuthenticated](what, err)
	if err != nil {
		return err
	}
	return checkPrivilegeFault(what, "NotAuthenticated", f.NoPermission, obj, "System.View")
}

func expectNoPermission(what string, err error, obj types.ManagedObjectReference, priv string) error {
	f, err := expectFault[types.NoPermission](what, err)
	if err != nil {
		return err
	}
	return checkPrivilegeFault(what, "NoPermission", f, obj, priv)
}

// checkPrivilegeFault checks the object and privilegeId of a NoPermission fault, or of a fault
// that extends it (kind names the fault type).
func checkPrivilegeFault(what, kind string, f types.NoPermission, obj types.ManagedObjectReference, priv string) error {
	if f.Object != obj {
		return fmt.Errorf("%s: %s.object = %v, want %v", what, kind, f.Object, obj)
	}
	if f.PrivilegeId != priv {
		return fmt.Errorf("%s: %s.privilegeId = %q, want %q", what, kind, f.PrivilegeId, priv)
	}
	return nil
}

func expectManagedObjectNotFound(what string, err error, obj types.ManagedObjectReference) error {
	f, err := expectFault[types.ManagedObjectNotFound](what, err)
	if err != nil {
		return err
	}
	if f.Obj != obj {
		return fmt.Errorf("%s: ManagedObjectNotFound.obj = %v, want %v", what, f.Obj, obj)
	}
	return nil
}

// namedCall is a call a step expects to fail, with the name its failure is reported under.
type namedCall struct {
	what string
	call func() error
}

// expectEach makes every call and checks its error with expect(what, err), in order; it returns
// the first failed check.
func expectEach(calls []namedCall, expect func(what string, err error) error) error {
	for _, c := range calls {
		if err := expect(c.what, c.call()); err != nil {
			return err
		}
	}
	return nil
}

// expectTaskFault checks a WaitForResult error: a task.Error whose Fault() has type F.
func expectTaskFault[F types.BaseMethodFault](err error) error {
	if err == nil {
		return errors.New("WaitForResult returned no error, want a task.Error")
	}
	var te task.Error
	if !errors.As(err, &te) {
		return fmt.Errorf("WaitForResult error is %T (%v), want task.Error", err, err)
	}
	if te.LocalizedMethodFault == nil {
		return errors.New("task.Error without a LocalizedMethodFault")
	}
	f := te.Fault()
	if _, ok := f.(F); !ok {
		var want F
		return fmt.Errorf("task.Error.Fault() is %T, want %T", f, want)
	}
	return nil
}

// ---------------------------------------------------------------------------------------------
// Steps: lifecycle

func stepCreateTask(ctx context.Context, e *env) error {
	c := e.admin
	t, ti, err := createTask(ctx, c, true)
	if err != nil {
		return err
	}
	ref := t.Reference()
	var problems []string
	bad := func(format string, a ...interface{}) { problems = append(problems, fmt.Sprintf(format, a...)) }
	if ref.Type != "Task" || !strings.HasPrefix(ref.Value, "task-") {
		bad("task = %v, want Task:task-N", ref)
	}
	if ti.Key != ref.Value {
		bad("key %q != task moref value %q", ti.Key, ref.Value)
	}
	if ti.State != types.TaskInfoStateQueued {
		bad("state = %q, want queued", ti.State)
	}
	if !ti.Cancelable {
		bad("cancelable = false, want true")
	}
	if ti.Cancelled {
		bad("cancelled = true, want false")
	}
	if ti.DescriptionId != TaskTypeID {
		bad("descriptionId = %q, want %q", ti.DescriptionId, TaskTypeID)
	}
	if ti.Entity == nil || *ti.Entity != c.ServiceContent.RootFolder {
		bad("entity = %v, want %v", ti.Entity, c.ServiceContent.RootFolder)
	}
	if r, ok := ti.Reason.(*types.TaskReasonUser); !ok {
		bad("reason = %T, want *types.TaskReasonUser", ti.Reason)
	} else if r.UserName != e.u.User.Username() {
		bad("reason.userName = %q, want %q", r.UserName, e.u.User.Username())
	}
	if ti.QueueTime.IsZero() {
		bad("queueTime not set")
	}
	if ti.StartTime != nil || ti.CompleteTime != nil {
		bad("startTime/completeTime set on a queued task")
	}
	// Visible to another session at once, and the same through the property collector.
	got, err := info(ctx, e.other, ref)
	if err != nil {
		bad("other session: %v", err)
	} else if got.Key != ti.Key || got.State != types.TaskInfoStateQueued {
		bad("other session reads key=%q state=%q", got.Key, got.State)
	}
	// A second task gets a larger N.
	t2, _, err := createTask(ctx, c, false)
	if err != nil {
		bad("second CreateTask: %v", err)
	} else {
		var n1, n2 int
		fmt.Sscanf(ref.Value, "task-%d", &n1)
		fmt.Sscanf(t2.Reference().Value, "task-%d", &n2)
		if n2 <= n1 {
			bad("second task %s does not follow %s", t2.Reference().Value, ref.Value)
		}
	}
	if len(problems) > 0 {
		return errors.New(strings.Join(problems, "; "))
	}
	return nil
}

func stepSetStateRunning(ctx context.Context, e *env) error {
	t, err := taskIn(ctx, e.admin, true, types.TaskInfoStateRunning)
	if err != nil {
		return err
	}
	ti, err := expectTaskState(ctx, e.admin, t.Reference(), types.TaskInfoStateRunning)
	if err != nil {
		return err
	}
	if ti.StartTime == nil {
		return errors.New("startTime not set after running")
	}
	if ti.StartTime.Before(ti.QueueTime) {
		return fmt.Errorf("startTime %v before queueTime %v", ti.StartTime, ti.QueueTime)
	}
	// running -> running is a no-op.
	if err := t.SetState(ctx, types.TaskInfoStateRunning, nil, nil); err != nil {
		return fmt.Errorf("SetState(running) again: %v", err)
	}
	return nil
}

func stepUpdateProgress(ctx context.Context, e *env) error {
	t, err := taskIn(ctx, e.admin, true, types.TaskInfoStateRunning)
	if err != nil {
		return err
	}
	for _, c := range []struct{ in, want int32 }{{42, 42}, {-5, 0}, {150, 100}, {7, 7}} {
		if err := t.UpdateProgress(ctx, int(c.in)); err != nil {
			return fmt.Errorf("UpdateProgress(%d): %v", c.in, err)
		}
		ti, err := info(ctx, e.admin, t.Reference())
		if err != nil {
			return err
		}
		if ti.Progress != c.want {
			return fmt.Errorf("after UpdateProgress(%d): info.progress = %d, want %d", c.in, ti.Progress, c.want)
		}
	}
	return nil
}

func stepSetDescription(ctx context.Context, e *env) error {
	t, err := taskIn(ctx, e.admin, true, types.TaskInfoStateQueued)
	if err != nil {
		return err
	}
	check := func(when string, d types.LocalizableMessage) error {
		if err := t.SetDescription(ctx, d); err != nil {
			return fmt.Errorf("SetDescription (%s): %v", when, err)
		}
		ti, err := info(ctx, e.admin, t.Reference())
		if err != nil {
			return err
		}
		if ti.Description == nil {
			return fmt.Errorf("%s: info.description not set", when)
		}
		if ti.Description.Key != d.Key || ti.Description.Message != d.Message {
			return fmt.Errorf("%s: info.description = {%q, %q}, want {%q, %q}",
				when, ti.Description.Key, ti.Description.Message, d.Key, d.Message)
		}
		return nil
	}
	if err := check("queued", types.LocalizableMessage{Key: "phase.one", Message: "Phase one"}); err != nil {
		return err
	}
	if err := t.SetState(ctx, types.TaskInfoStateRunning, nil, nil); err != nil {
		return fmt.Errorf("SetState(running): %v", err)
	}
	if err := check("running", types.LocalizableMessage{Key: "phase.two", Message: "Phase two <&> \"quoted\""}); err != nil {
		return err
	}
	if err := t.SetState(ctx, types.TaskInfoStateSuccess, nil, nil); err != nil {
		return fmt.Errorf("SetState(success): %v", err)
	}
	// The contract allows SetTaskDescription in every state (only RuntimeFault is listed).
	return check("success", types.LocalizableMessage{Key: "phase.done", Message: "Done"})
}

// expectResult moves a running task to success with result want, reads info back and checks
// info.result is want, with want's type.
func expectResult[T comparable](ctx context.Context, e *env, want T) error {
	t, err := taskIn(ctx, e.admin, true, types.TaskInfoStateRunning)
	if err != nil {
		return err
	}
	if err := t.SetState(ctx, types.TaskInfoStateSuccess, want, nil); err != nil {
		return fmt.Errorf("SetState(success, %T): %v", want, err)
	}
	ti, err := expectTaskState(ctx, e.admin, t.Reference(), types.TaskInfoStateSuccess)
	if err != nil {
		return err
	}
	if ti.CompleteTime == nil {
		return errors.New("completeTime not set")
	}
	if ti.StartTime == nil || ti.CompleteTime.Before(*ti.StartTime) {
		return fmt.Errorf("startTime %v / completeTime %v out of order", ti.StartTime, ti.CompleteTime)
	}
	if ti.Error != nil {
		return fmt.Errorf("info.error set on a successful task: %T", ti.Error.Fault)
	}
	got, ok := ti.Result.(T)
	if !ok {
		return fmt.Errorf("info.result is %T (%v), want %T", ti.Result, ti.Result, want)
	}
	if got != want {
		return fmt.Errorf("info.result = %#v, want %#v", got, want)
	}
	return nil
}

func stepResultString(ctx context.Context, e *env) error {
	return expectResult(ctx, e, "hello <world> & \"friends\"")
}

func stepResultInt32(ctx context.Context, e *env) error {
	return expectResult(ctx, e, int32(-2147483648))
}

func stepResultMoRef(ctx context.Context, e *env) error {
	return expectResult(ctx, e, types.ManagedObjectReference{Type: "VirtualMachine", Value: "vm-42"})
}

func stepSetStateErrorFault(ctx context.Context, e *env) error {
	t, err := taskIn(ctx, e.admin, true, types.TaskInfoStateRunning)
	if err != nil {
		return err
	}
	msg := "the thing was not found"
	if err := t.SetState(ctx, types.TaskInfoStateError, nil,
		&types.LocalizedMethodFault{Fault: &types.NotFound{}, LocalizedMessage: msg}); err != nil {
		return fmt.Errorf("SetState(error, NotFound): %v", err)
	}
	ti, err := expectTaskState(ctx, e.admin, t.Reference(), types.TaskInfoStateError)
	if err != nil {
		return err
	}
	if ti.Error == nil {
		return errors.New("info.error not set")
	}
	if _, ok := ti.Error.Fault.(*types.NotFound); !ok {
		return fmt.Errorf("info.error.fault is %T, want *types.NotFound", ti.Error.Fault)
	}
	if ti.Error.LocalizedMessage != msg {
		return fmt.Errorf("info.error.localizedMessage = %q, want %q", ti.Error.LocalizedMessage, msg)
	}
	if ti.Result != nil {
		return fmt.Errorf("info.result set on a failed task: %v", ti.Result)
	}
	if ti.CompleteTime == nil {
		return errors.New("completeTime not set")
	}
	if ti.Cancelled {
		return errors.New("info.cancelled = true on a task failed by its owner")
	}
	return nil
}

// ---------------------------------------------------------------------------------------------
// Steps: waiting

// completeLater runs complete on another goroutine after completeDelay and sends the time the
// completing call returned (or its error).
type completion struct {
	returned time.Time
	err      error
}

func completeLater(complete func() error) <-chan completion {
	ch := make(chan completion, 1)
	go func() {
		time.Sleep(completeDelay)
		err := complete()
		ch <- completion{returned: time.Now(), err: err}
	}()
	return ch
}

// latency checks that a wait returned within maxWaitLatency of the completing call's return.
// The wait may also return slightly before the completing call's response arrives (the server
// may wake the waiter before it writes the response); both directions count.
func latency(what string, waitReturned time.Time, c completion, started time.Time) error {
	if c.err != nil {
		return fmt.Errorf("completing call: %v", c.err)
	}
	d := waitReturned.Sub(c.returned)
	abs := d
	if abs < 0 {
		abs = -abs
	}
	fmt.Printf("INFO %s: wait returned %.3f ms after the completing call returned (%.1f ms after the wait started)\n",
		what, float64(d.Microseconds())/1000, float64(waitReturned.Sub(started).Microseconds())/1000)
	if waitReturned.Sub(started) < completeDelay {
		return fmt.Errorf("wait returned after %v, before the task was completed", waitReturned.Sub(started))
	}
	if abs >= maxWaitLatency {
		return fmt.Errorf("wait returned %v after the completing call, want < %v", d, maxWaitLatency)
	}
	return nil
}

// waitRace is one wait on a running task (admin session) that another session completes.
type waitRace struct {
	task     *object.Task // the admin session's task object
	started  time.Time    // when the completer was started
	returned time.Time    // when wait returned
	done     completion   // the completing call
}

// raceWait creates a running task, starts complete on the second session's task object (it
// runs after completeDelay) and calls wait on the admin's; it returns once both are done.
func raceWait(ctx context.Context, e *env, complete func(other *object.Task) error, wait func(t *object.Task)) (*waitRace, error) {
	t, err := taskIn(ctx, e.admin, true, types.TaskInfoStateRunning)
	if err != nil {
		return nil, err
	}
	other := object.NewTask(e.other, t.Reference())
	r := &waitRace{task: t, started: time.Now()}
	done := completeLater(func() error { return complete(other) })
	wait(t)
	r.returned = time.Now()
	r.done = <-done
	return r, nil
}

// latency checks the race's wait returned soon after the completing call (see latency).
func (r *waitRace) latency(what string) error {
	return latency(what, r.returned, r.done, r.started)
}

func stepWaitConcurrent(ctx context.Context, e *env) error {
	var werr error
	r, err := raceWait(ctx, e, func(other *object.Task) error {
		return other.SetState(ctx, types.TaskInfoStateSuccess, nil, nil)
	}, func(t *object.Task) { werr = t.Wait(ctx) })
	if err != nil {
		return err
	}
	if werr != nil {
		return fmt.Errorf("Wait: %v", werr)
	}
	return r.latency("wait_concurrent")
}

func stepWaitForResultConcurrent(ctx context.Context, e *env) error {
	var ti *types.TaskInfo
	var werr error
	r, err := raceWait(ctx, e, func(other *object.Task) error {
		if err := other.UpdateProgress(ctx, 80); err != nil {
			return err
		}
		return other.SetState(ctx, types.TaskInfoStateSuccess, "all done", nil)
	}, func(t *object.Task) { ti, werr = t.WaitForResult(ctx, nil) })
	if err != nil {
		return err
	}
	if werr != nil {
		return fmt.Errorf("WaitForResult: %v", werr)
	}
	if err := r.latency("wait_for_result_concurrent"); err != nil {
		return err
	}
	if ti == nil {
		return errors.New("WaitForResult returned a nil TaskInfo")
	}
	if err := expectState(ti, types.TaskInfoStateSuccess); err != nil {
		return err
	}
	if s, ok := ti.Result.(string); !ok || s != "all done" {
		return fmt.Errorf("result = %T %v, want string \"all done\"", ti.Result, ti.Result)
	}
	if key := r.task.Reference().Value; ti.Key != key {
		return fmt.Errorf("TaskInfo.key = %q, want %q", ti.Key, key)
	}
	return nil
}

func stepWaitForResultError(ctx context.Context, e *env) error {
	msg := "no such widget"
	var ti *types.TaskInfo
	var werr error
	r, err := raceWait(ctx, e, func(other *object.Task) error {
		return other.SetState(ctx, types.TaskInfoStateError, nil,
			&types.LocalizedMethodFault{Fault: &types.NotFound{}, LocalizedMessage: msg})
	}, func(t *object.Task) { ti, werr = t.WaitForResult(ctx, nil) })
	if err != nil {
		return err
	}
	if err := expectTaskFault[*types.NotFound](werr); err != nil {
		return err
	}
	if werr.Error() != msg {
		return fmt.Errorf("task.Error.Error() = %q, want %q", werr.Error(), msg)
	}
	if ti == nil || ti.State != types.TaskInfoStateError {
		return fmt.Errorf("WaitForResult TaskInfo = %v, want state error", ti)
	}
	return r.latency("wait_for_result_error")
}

func stepWaitForResultCanceled(ctx context.Context, e *env) error {
	t, err := canceledTask(ctx, e.admin, types.TaskInfoStateQueued)
	if err != nil {
		return err
	}
	_, werr := t.WaitForResult(ctx, nil)
	return expectTaskFault[*types.RequestCanceled](werr)
}

func stepPropertyWaitState(ctx context.Context, e *env) error {
	var seen []string
	var badVal, werr error
	r, err := raceWait(ctx, e, func(other *object.Task) error {
		if err := other.UpdateProgress(ctx, 50); err != nil {
			return err
		}
		return other.SetState(ctx, types.TaskInfoStateSuccess, nil, nil)
	}, func(t *object.Task) {
		werr = property.Wait(ctx, property.DefaultCollector(e.admin), t.Reference(), []string{"info.state"},
			func(pc []types.PropertyChange) bool {
				for _, c := range pc {
					seen = append(seen, fmt.Sprintf("%s/%s=%v(%T)", c.Name, c.Op, c.Val, c.Val))
					if c.Name != "info.state" {
						badVal = fmt.Errorf("change for %q, want only info.state", c.Name)
						return true
					}
					if c.Op != types.PropertyChangeOpAssign {
						continue
					}
					st, ok := c.Val.(types.TaskInfoState)
					if !ok {
						badVal = fmt.Errorf("info.state value is %T (%v), want types.TaskInfoState", c.Val, c.Val)
						return true
					}
					if st == types.TaskInfoStateSuccess {
						return true
					}
				}
				return false
			})
	})
	if err != nil {
		return err
	}
	if werr != nil {
		return fmt.Errorf("property.Wait: %v (changes seen: %v)", werr, seen)
	}
	if badVal != nil {
		return fmt.Errorf("%v (changes seen: %v)", badVal, seen)
	}
	if len(seen) == 0 || !strings.HasPrefix(seen[0], "info.state/assign=running") {
		return fmt.Errorf("first update should report the current state running, changes seen: %v", seen)
	}
	return r.latency("property_wait_state")
}

// ---------------------------------------------------------------------------------------------
// Steps: cancellation

// canceledTask creates a cancelable task in state (see taskIn) and cancels it.
func canceledTask(ctx context.Context, c *vim25.Client, state types.TaskInfoState) (*object.Task, error) {
	t, err := taskIn(ctx, c, true, state)
	if err != nil {
		return nil, err
	}
	if err := t.Cancel(ctx); err != nil {
		return nil, fmt.Errorf("Cancel: %v", err)
	}
	return t, nil
}

// expectCanceled reads task.info through c and checks the task was canceled.
func expectCanceled(ctx context.Context, c *vim25.Client, ref types.ManagedObjectReference) error {
	ti, err := expectTaskState(ctx, c, ref, types.TaskInfoStateError)
	if err != nil {
		return err
	}
	if !ti.Cancelled {
		return errors.New("info.cancelled = false, want true")
	}
	if ti.Error == nil {
		return errors.New("info.error not set")
	}
	if _, ok := ti.Error.Fault.(*types.RequestCanceled); !ok {
		return fmt.Errorf("info.error.fault is %T, want *types.RequestCanceled", ti.Error.Fault)
	}
	if ti.CompleteTime == nil {
		return errors.New("completeTime not set")
	}
	return nil
}

// expectCancelRefused cancels t, checks the error with check(what, err) and that the refused
// Cancel changed nothing: the task is still in state want and not cancelled.
func expectCancelRefused(ctx context.Context, e *env, t *object.Task, want types.TaskInfoState, what string, check func(what string, err error) error) error {
	if err := check(what, t.Cancel(ctx)); err != nil {
		return err
	}
	ti, err := info(ctx, e.admin, t.Reference())
	if err != nil {
		return err
	}
	if ti.State != want || ti.Cancelled {
		return fmt.Errorf("after %s: state=%q cancelled=%v, want %s/false", what, ti.State, ti.Cancelled, want)
	}
	return nil
}

func stepCancelQueued(ctx context.Context, e *env) error {
	t, err := canceledTask(ctx, e.admin, types.TaskInfoStateQueued)
	if err != nil {
		return err
	}
	return expectCanceled(ctx, e.admin, t.Reference())
}

func stepCancelRunning(ctx context.Context, e *env) error {
	t, err := canceledTask(ctx, e.admin, types.TaskInfoStateRunning)
	if err != nil {
		return err
	}
	// Default cancel mode (immediate): a running task is canceled at once, like a queued one.
	if err := expectCanceled(ctx, e.admin, t.Reference()); err != nil {
		return fmt.Errorf("running task after Cancel (immediate mode): %v", err)
	}
	// Its owner can no longer complete it.
	return expectInvalidState("SetState(success) after cancel", t.SetState(ctx, types.TaskInfoStateSuccess, nil, nil))
}

func stepCancelAgain(ctx context.Context, e *env) error {
	t, err := canceledTask(ctx, e.admin, types.TaskInfoStateQueued)
	if err != nil {
		return err
	}
	if err := expectInvalidState("second Cancel", t.Cancel(ctx)); err != nil {
		return err
	}
	// Also on a task that succeeded.
	t2, err := taskIn(ctx, e.admin, true, types.TaskInfoStateSuccess)
	if err != nil {
		return err
	}
	return expectCancelRefused(ctx, e, t2, types.TaskInfoStateSuccess, "Cancel after success", expectInvalidState)
}

func stepCancelNotCancelable(ctx context.Context, e *env) error {
	t, err := taskIn(ctx, e.admin, false, types.TaskInfoStateQueued)
	if err != nil {
		return err
	}
	return expectCancelRefused(ctx, e, t, types.TaskInfoStateQueued, "Cancel of a non-cancelable task", expectNotSupported)
}

func stepCancelAsViewer(ctx context.Context, e *env) error {
	// The reference page lists no privilege for CancelTask beyond a session, which is the
	// emulator's default: a ReadOnly user may cancel.
	t, err := taskIn(ctx, e.admin, true, types.TaskInfoStateQueued)
	if err != nil {
		return err
	}
	vc, logout, err := loginAs(ctx, e, e.viewer)
	if err != nil {
		return err
	}
	defer logout()
	if err := object.NewTask(vc, t.Reference()).Cancel(ctx); err != nil {
		return fmt.Errorf("Cancel as %s: %v", e.viewer.Username(), err)
	}
	return expectCanceled(ctx, e.admin, t.Reference())
}

// ---------------------------------------------------------------------------------------------
// Steps: faults

// refusedInState creates a task in state, expects each of calls(task) to fail with InvalidState
// and the task to be still in state afterwards; it returns the task's info.
func refusedInState(ctx context.Context, e *env, state types.TaskInfoState, calls func(t *object.Task) []namedCall) (*types.TaskInfo, error) {
	t, err := taskIn(ctx, e.admin, true, state)
	if err != nil {
		return nil, err
	}
	if err := expectEach(calls(t), expectInvalidState); err != nil {
		return nil, err
	}
	return expectTaskState(ctx, e.admin, t.Reference(), state)
}

func stepFaultRunningToQueued(ctx context.Context, e *env) error {
	_, err := refusedInState(ctx, e, types.TaskInfoStateRunning, func(t *object.Task) []namedCall {
		return []namedCall{{"SetState(queued) on a running task", func() error {
			return t.SetState(ctx, types.TaskInfoStateQueued, nil, nil)
		}}}
	})
	return err
}

func stepFaultChangeAfterSuccess(ctx context.Context, e *env) error {
	t, err := taskIn(ctx, e.admin, true, types.TaskInfoStateRunning)
	if err != nil {
		return err
	}
	if err := t.UpdateProgress(ctx, 30); err != nil {
		return fmt.Errorf("UpdateProgress(30): %v", err)
	}
	if err := t.SetState(ctx, types.TaskInfoStateSuccess, "first", nil); err != nil {
		return fmt.Errorf("SetState(success): %v", err)
	}
	if err := expectEach([]namedCall{
		{"SetState(queued)", func() error { return t.SetState(ctx, types.TaskInfoStateQueued, nil, nil) }},
		{"SetState(running)", func() error { return t.SetState(ctx, types.TaskInfoStateRunning, nil, nil) }},
		{"SetState(success, second)", func() error { return t.SetState(ctx, types.TaskInfoStateSuccess, "second", nil) }},
		{"SetState(error, NotFound)", func() error {
			return t.SetState(ctx, types.TaskInfoStateError, nil,
				&types.LocalizedMethodFault{Fault: &types.NotFound{}, LocalizedMessage: "late"})
		}},
		{"UpdateProgress(90)", func() error { return t.UpdateProgress(ctx, 90) }},
	}, func(what string, err error) error {
		return expectInvalidState(what+" after success", err)
	}); err != nil {
		return err
	}
	ti, err := expectTaskState(ctx, e.admin, t.Reference(), types.TaskInfoStateSuccess)
	if err != nil {
		return err
	}
	if s, ok := ti.Result.(string); !ok || s != "first" {
		return fmt.Errorf("result changed to %T %v, want \"first\"", ti.Result, ti.Result)
	}
	if ti.Progress != 30 && ti.Progress != 100 {
		return fmt.Errorf("progress changed to %d after success", ti.Progress)
	}
	if ti.Error != nil {
		return fmt.Errorf("error set after success: %T", ti.Error.Fault)
	}
	return nil
}

func stepFaultResultWithErrorState(ctx context.Context, e *env) error {
	notFound := &types.LocalizedMethodFault{Fault: &types.NotFound{}, LocalizedMessage: "x"}
	_, err := refusedInState(ctx, e, types.TaskInfoStateRunning, func(t *object.Task) []namedCall {
		return []namedCall{
			{"SetState(error) with a result", func() error {
				return t.SetState(ctx, types.TaskInfoStateError, "a result", notFound)
			}},
			// A fault with state success is refused the same way.
			{"SetState(success) with a fault", func() error {
				return t.SetState(ctx, types.TaskInfoStateSuccess, nil, notFound)
			}},
		}
	})
	return err
}

func stepFaultProgressOnQueued(ctx context.Context, e *env) error {
	_, err := refusedInState(ctx, e, types.TaskInfoStateQueued, func(t *object.Task) []namedCall {
		return []namedCall{{"UpdateProgress(10) on a queued task", func() error { return t.UpdateProgress(ctx, 10) }}}
	})
	return err
}

func stepFaultNonVimFault(ctx context.Context, e *env) error {
	ti, err := refusedInState(ctx, e, types.TaskInfoStateRunning, func(t *object.Task) []namedCall {
		return []namedCall{{"SetState(error, SystemError)", func() error {
			// SystemError is a RuntimeFault, not a VimFault.
			return t.SetState(ctx, types.TaskInfoStateError, nil,
				&types.LocalizedMethodFault{Fault: &types.SystemError{Reason: "boom"}, LocalizedMessage: "boom"})
		}}}
	})
	if err != nil {
		return err
	}
	if ti.Error != nil {
		return fmt.Errorf("info.error stored anyway: %T", ti.Error.Fault)
	}
	return nil
}

func stepFaultManagedObjectNotFound(ctx context.Context, e *env) error {
	ref := types.ManagedObjectReference{Type: "Task", Value: "task-999999"}
	t := object.NewTask(e.admin, ref)
	return expectEach([]namedCall{
		{"SetState(running)", func() error { return t.SetState(ctx, types.TaskInfoStateRunning, nil, nil) }},
		{"UpdateProgress(1)", func() error { return t.UpdateProgress(ctx, 1) }},
		{"SetDescription", func() error { return t.SetDescription(ctx, types.LocalizableMessage{Key: "k", Message: "m"}) }},
		{"Cancel", func() error { return t.Cancel(ctx) }},
	}, func(what string, err error) error {
		return expectManagedObjectNotFound(what+" on "+ref.Value, err, ref)
	})
}

func stepFaultNoPermission(ctx context.Context, e *env) error {
	t, err := taskIn(ctx, e.admin, true, types.TaskInfoStateQueued)
	if err != nil {
		return err
	}
	ref := t.Reference()
	vc, logout, err := loginAs(ctx, e, e.viewer)
	if err != nil {
		return err
	}
	defer logout()
	vt := object.NewTask(vc, ref)
	viewer := e.viewer.Username()

	if err := expectEach([]namedCall{
		{"SetState(running)", func() error { return vt.SetState(ctx, types.TaskInfoStateRunning, nil, nil) }},
		// On a queued task UpdateProgress would be InvalidState for an owner: privilege comes first.
		{"UpdateProgress(5)", func() error { return vt.UpdateProgress(ctx, 5) }},
		{"SetDescription", func() error { return vt.SetDescription(ctx, types.LocalizableMessage{Key: "k", Message: "m"}) }},
	}, func(what string, err error) error {
		return expectNoPermission(what+" as "+viewer, err, ref, "Task.Update")
	}); err != nil {
		return err
	}
	// The viewer can still read the task, and nothing changed.
	ti, err := info(ctx, vc, ref)
	if err != nil {
		return fmt.Errorf("viewer read: %v", err)
	}
	if ti.State != types.TaskInfoStateQueued || ti.Description != nil {
		return fmt.Errorf("task changed by refused calls: state=%q description=%v", ti.State, ti.Description)
	}
	// CreateTask needs Task.Create.
	_, _, err = createTask(ctx, vc, true)
	np, err := expectFault[types.NoPermission]("CreateTask as "+viewer, errors.Unwrap(err))
	if err != nil {
		return err
	}
	if np.PrivilegeId != "Task.Create" {
		return fmt.Errorf("CreateTask as %s: privilegeId %q, want Task.Create", viewer, np.PrivilegeId)
	}
	return nil
}

func stepFaultInvalidLogin(ctx context.Context, e *env) error {
	c, err := newClient(ctx, e.u)
	if err != nil {
		return err
	}
	err = session.NewManager(c).Login(ctx, url.UserPassword(e.u.User.Username(), "definitely-wrong"))
	if _, err := expectFault[types.InvalidLogin]("Login with a wrong password", err); err != nil {
		return err
	}
	// Unknown user too.
	err = session.NewManager(c).Login(ctx, url.UserPassword("no-such-user", "x"))
	_, err = expectFault[types.InvalidLogin]("Login as an unknown user", err)
	return err
}

// expectUnauthenticated creates a queued task, gets a client without a valid session from
// connect (which may use the task), expects each of calls(the task seen through that client) to
// fail with NotAuthenticated on the task, and the task to be still queued.
func expectUnauthenticated(ctx context.Context, e *env, connect func(ref types.ManagedObjectReference) (*vim25.Client, error), calls func(t *object.Task) []namedCall) error {
	t, err := taskIn(ctx, e.admin, true, types.TaskInfoStateQueued)
	if err != nil {
		return err
	}
	ref := t.Reference()
	c, err := connect(ref)
	if err != nil {
		return err
	}
	if err := expectEach(calls(object.NewTask(c, ref)), func(what string, err error) error {
		return expectNotAuthenticated(what, err, ref)
	}); err != nil {
		return err
	}
	_, err = expectTaskState(ctx, e.admin, ref, types.TaskInfoStateQueued)
	return err
}

func stepFaultNotAuthenticatedNoLogin(ctx context.Context, e *env) error {
	return expectUnauthenticated(ctx, e, func(types.ManagedObjectReference) (*vim25.Client, error) {
		c, err := newClient(ctx, e.u)
		if err != nil {
			return nil, fmt.Errorf("anonymous RetrieveServiceContent: %v", err)
		}
		return c, nil
	}, func(at *object.Task) []namedCall {
		return []namedCall{
			{"SetState(running) without login", func() error { return at.SetState(ctx, types.TaskInfoStateRunning, nil, nil) }},
			{"Cancel without login", func() error { return at.Cancel(ctx) }},
		}
	})
}

func stepFaultNotAuthenticatedAfterLogout(ctx context.Context, e *env) error {
	return expectUnauthenticated(ctx, e, func(ref types.ManagedObjectReference) (*vim25.Client, error) {
		c, err := login(ctx, e.u, e.u.User)
		if err != nil {
			return nil, err
		}
		lt := object.NewTask(c, ref)
		if err := lt.SetDescription(ctx, types.LocalizableMessage{Key: "k", Message: "before logout"}); err != nil {
			return nil, fmt.Errorf("SetDescription while logged in: %v", err)
		}
		if err := session.NewManager(c).Logout(ctx); err != nil {
			return nil, fmt.Errorf("Logout: %v", err)
		}
		return c, nil
	}, func(lt *object.Task) []namedCall {
		return []namedCall{
			{"SetState(running) after Logout", func() error { return lt.SetState(ctx, types.TaskInfoStateRunning, nil, nil) }},
		}
	})
}
