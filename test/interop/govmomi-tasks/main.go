// Command govmomi-tasks drives the emulator's inventory with the real govmomi 0.24.2 client:
// object.VirtualMachine.PowerOn then task.WaitForResult with a progress sink, for a plain
// success, an error a method rule injects after 50%, a cancel mid-way and a hung task the
// control API finishes; then Clone and Destroy. Method rules go through the control API.
//
// Usage: govmomi-tasks https://admin:admin@127.0.0.1:PORT/sdk
//
// It prints "PASS <step>" or "FAIL <step>: <reason>" per step and exits 1 if any step failed.
//
// Build offline: GO111MODULE=off GOPATH=/usr/share/gocode go build -o bin/govmomi-tasks .
package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"sync"
	"time"

	"github.com/vmware/govmomi"
	"github.com/vmware/govmomi/find"
	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/task"
	"github.com/vmware/govmomi/vim25/progress"
	"github.com/vmware/govmomi/vim25/types"
)

type env struct {
	client *govmomi.Client
	api    string
	http   *http.Client
}

// control calls the emulator's control API and decodes the JSON answer into out (if given).
func (e *env) control(method, path string, body interface{}, out interface{}) error {
	var reader *bytes.Reader
	if body != nil {
		data, _ := json.Marshal(body)
		reader = bytes.NewReader(data)
	} else {
		reader = bytes.NewReader(nil)
	}
	req, err := http.NewRequest(method, e.api+path, reader)
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := e.http.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	if res.StatusCode >= 300 {
		return fmt.Errorf("%s %s: HTTP %d", method, path, res.StatusCode)
	}
	if out != nil {
		return json.NewDecoder(res.Body).Decode(out)
	}
	return nil
}

// ref finds an entity's reference through the control API's inventory listing.
func (e *env) ref(path string) (types.ManagedObjectReference, error) {
	var listing struct {
		Entities []struct{ Path, Type, Ref string }
	}
	if err := e.control("GET", "/inventory", nil, &listing); err != nil {
		return types.ManagedObjectReference{}, err
	}
	for _, entity := range listing.Entities {
		if entity.Path == path {
			return types.ManagedObjectReference{Type: entity.Type, Value: entity.Ref}, nil
		}
	}
	return types.ManagedObjectReference{}, fmt.Errorf("no entity at %s", path)
}

func (e *env) vm(ctx context.Context) (*object.VirtualMachine, error) {
	ref, err := e.ref("/DC0/vm/web-01")
	if err != nil {
		return nil, err
	}
	vm := object.NewVirtualMachine(e.client.Client, ref)
	state, err := vm.PowerState(ctx)
	if err != nil {
		return nil, err
	}
	if state != types.VirtualMachinePowerStatePoweredOff {
		return nil, fmt.Errorf("web-01 starts %s, not poweredOff", state)
	}
	return vm, nil
}

// powerOn posts a method rule for PowerOnVM_Task, then powers web-01 on: the VM and the task
// the call started.
func (e *env) powerOn(ctx context.Context, rule map[string]interface{}) (*object.VirtualMachine, *object.Task, error) {
	if err := e.control("POST", "/methods", rule, nil); err != nil {
		return nil, nil, err
	}
	vm, err := e.vm(ctx)
	if err != nil {
		return nil, nil, err
	}
	t, err := vm.PowerOn(ctx)
	if err != nil {
		return nil, nil, err
	}
	return vm, t, nil
}

// sink collects the progress percentages WaitForResult reports.
type sink struct {
	mu   sync.Mutex
	seen []float32
	ch   chan progress.Report
	done chan struct{}
}

func newSink() *sink {
	s := &sink{ch: make(chan progress.Report), done: make(chan struct{})}
	go func() {
		for report := range s.ch {
			s.mu.Lock()
			s.seen = append(s.seen, report.Percentage())
			s.mu.Unlock()
		}
		close(s.done)
	}()
	return s
}

func (s *sink) Sink() chan<- progress.Report { return s.ch }

func (s *sink) saw(percent float32) bool {
	<-s.done
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, p := range s.seen {
		if p == percent {
			return true
		}
	}
	return false
}

func faultOf(err error) types.BaseMethodFault {
	var taskErr task.Error
	if errors.As(err, &taskErr) {
		return taskErr.Fault()
	}
	return nil
}

func powerState(ctx context.Context, vm *object.VirtualMachine, want types.VirtualMachinePowerState) error {
	state, err := vm.PowerState(ctx)
	if err != nil {
		return err
	}
	if state != want {
		return fmt.Errorf("runtime.powerState is %s, want %s", state, want)
	}
	return nil
}

func stepSuccess(ctx context.Context, e *env) error {
	vm, t, err := e.powerOn(ctx, map[string]interface{}{"method": "PowerOnVM_Task", "durationMs": 300, "progressSteps": 3})
	if err != nil {
		return err
	}
	s := newSink()
	info, err := t.WaitForResult(ctx, s)
	if err != nil {
		return err
	}
	if info.State != types.TaskInfoStateSuccess || info.DescriptionId != "VirtualMachine.powerOn" {
		return fmt.Errorf("task ended %s (%s)", info.State, info.DescriptionId)
	}
	if !s.saw(50) {
		return fmt.Errorf("progress 50 was not reported: %v", s.seen)
	}
	return powerState(ctx, vm, types.VirtualMachinePowerStatePoweredOn)
}

func stepError(ctx context.Context, e *env) error {
	rule := map[string]interface{}{"method": "PowerOnVM_Task", "durationMs": 300, "progressSteps": 1,
		"fault": map[string]interface{}{"type": "InsufficientResourcesFault", "message": "no room"}}
	vm, t, err := e.powerOn(ctx, rule)
	if err != nil {
		return err
	}
	s := newSink()
	_, err = t.WaitForResult(ctx, s)
	if _, ok := faultOf(err).(*types.InsufficientResourcesFault); !ok {
		return fmt.Errorf("WaitForResult returned %v, want InsufficientResourcesFault", err)
	}
	if !s.saw(50) {
		return fmt.Errorf("progress 50 was not reported before the fault: %v", s.seen)
	}
	return powerState(ctx, vm, types.VirtualMachinePowerStatePoweredOff)
}

func stepCancel(ctx context.Context, e *env) error {
	rule := map[string]interface{}{"method": "PowerOnVM_Task", "durationMs": 60000, "progressSteps": 10, "cancelable": true}
	vm, t, err := e.powerOn(ctx, rule)
	if err != nil {
		return err
	}
	go func() {
		time.Sleep(200 * time.Millisecond)
		_ = t.Cancel(ctx)
	}()
	_, err = t.WaitForResult(ctx, newSink())
	if _, ok := faultOf(err).(*types.RequestCanceled); !ok {
		return fmt.Errorf("WaitForResult returned %v, want RequestCanceled", err)
	}
	return powerState(ctx, vm, types.VirtualMachinePowerStatePoweredOff)
}

func stepHungFinished(ctx context.Context, e *env) error {
	vm, t, err := e.powerOn(ctx, map[string]interface{}{"method": "PowerOnVM_Task", "outcome": "hangUntilFinished"})
	if err != nil {
		return err
	}
	finished := make(chan error, 1)
	go func() {
		time.Sleep(300 * time.Millisecond)
		finished <- e.control("POST", "/tasks/"+t.Reference().Value+"/finish", map[string]interface{}{"outcome": "success"}, nil)
	}()
	info, err := t.WaitForResult(ctx, newSink())
	if err != nil {
		return err
	}
	if err := <-finished; err != nil {
		return err
	}
	if info.State != types.TaskInfoStateSuccess {
		return fmt.Errorf("task ended %s", info.State)
	}
	return powerState(ctx, vm, types.VirtualMachinePowerStatePoweredOn)
}

func stepCloneDestroy(ctx context.Context, e *env) error {
	vm, err := e.vm(ctx)
	if err != nil {
		return err
	}
	folderRef, err := e.ref("/DC0/vm")
	if err != nil {
		return err
	}
	folder := object.NewFolder(e.client.Client, folderRef)
	t, err := vm.Clone(ctx, folder, "web-03", types.VirtualMachineCloneSpec{PowerOn: true})
	if err != nil {
		return err
	}
	info, err := t.WaitForResult(ctx, newSink())
	if err != nil {
		return err
	}
	cloneRef, ok := info.Result.(types.ManagedObjectReference)
	if !ok || cloneRef.Type != "VirtualMachine" {
		return fmt.Errorf("clone result is %#v, want a VirtualMachine reference", info.Result)
	}
	clone := object.NewVirtualMachine(e.client.Client, cloneRef)
	name, err := clone.ObjectName(ctx)
	if err != nil || name != "web-03" {
		return fmt.Errorf("the clone is named %q (%v)", name, err)
	}
	if err := powerState(ctx, clone, types.VirtualMachinePowerStatePoweredOn); err != nil {
		return err
	}
	destroy, err := clone.Destroy(ctx)
	if err != nil {
		return err
	}
	if err := destroy.Wait(ctx); err != nil {
		return err
	}
	if _, err := e.ref("/DC0/vm/web-03"); err == nil {
		return errors.New("the destroyed clone is still in the inventory")
	}
	return nil
}

// stepFinder lists the inventory the way govc ls and govc find do: govmomi's finder walks the
// containment properties (childEntity, vmFolder, hostFolder, host, resourcePool ...).
func stepFinder(ctx context.Context, e *env) error {
	finder := find.NewFinder(e.client.Client, true)
	dc, err := finder.Datacenter(ctx, "DC0")
	if err != nil {
		return err
	}
	finder.SetDatacenter(dc)
	vms, err := finder.VirtualMachineList(ctx, "*")
	if err != nil {
		return err
	}
	names := map[string]bool{}
	for _, vm := range vms {
		names[vm.InventoryPath] = true
	}
	for _, want := range []string{"/DC0/vm/web-01", "/DC0/vm/web-02", "/DC0/vm/db-01"} {
		if !names[want] {
			return fmt.Errorf("finder did not list %s (got %v)", want, names)
		}
	}
	hosts, err := finder.HostSystemList(ctx, "*/*")
	if err != nil {
		return err
	}
	if len(hosts) != 2 {
		return fmt.Errorf("finder listed %d hosts, want 2", len(hosts))
	}
	pool, err := finder.ResourcePool(ctx, "C0/Resources/pool-a")
	if err != nil {
		return err
	}
	if pool.InventoryPath != "/DC0/host/C0/Resources/pool-a" {
		return fmt.Errorf("pool path %s", pool.InventoryPath)
	}
	return nil
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: govmomi-tasks https://user:pass@host:port/sdk")
		os.Exit(2)
	}
	u, err := url.Parse(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	ctx := context.Background()
	client, err := govmomi.NewClient(ctx, u, true)
	if err != nil {
		fmt.Fprintln(os.Stderr, "connect:", err)
		os.Exit(2)
	}
	e := &env{
		client: client,
		api:    fmt.Sprintf("%s://%s/_emulator", u.Scheme, u.Host),
		http:   &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}, Timeout: 20 * time.Second},
	}
	steps := []struct {
		name string
		run  func(context.Context, *env) error
	}{
		{"power_on_success", stepSuccess},
		{"power_on_error", stepError},
		{"power_on_cancel", stepCancel},
		{"power_on_hung_finished", stepHungFinished},
		{"clone_destroy", stepCloneDestroy},
		{"finder_inventory", stepFinder},
	}
	failed := false
	for _, s := range steps {
		stepCtx, cancel := context.WithTimeout(ctx, 20*time.Second)
		err := e.control("POST", "/reset", nil, nil)
		if err == nil {
			err = s.run(stepCtx, e)
		}
		cancel()
		if err != nil {
			failed = true
			fmt.Printf("FAIL %s: %v\n", s.name, err)
		} else {
			fmt.Printf("PASS %s\n", s.name)
		}
	}
	if failed {
		os.Exit(1)
	}
}
