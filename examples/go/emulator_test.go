// An example of starting vtask-emulator once for a Go package's tests (TestMain) and testing
// govmomi code against it. The emulator prints its SDK URL as the first stdout line with
// --port 0; the client trusts the emulator's self-signed certificate rather than skipping
// verification.
//
// VTASK_EMULATOR_CMD is the command that starts the emulator (default: npx --no-install
// vtask-emulator). Run offline with Debian's govmomi:
//
//	GO111MODULE=off GOPATH=/usr/share/gocode go test .
package example

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/session"
	"github.com/vmware/govmomi/vim25"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

// sdkURL is the running emulator's SDK URL, set by TestMain.
var sdkURL *url.URL

// certificates is the emulator's self-signed certificate, the one root the clients trust.
var certificates *x509.CertPool

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	command := strings.Fields(os.Getenv("VTASK_EMULATOR_CMD"))
	if len(command) == 0 {
		command = []string{"npx", "--no-install", "vtask-emulator"}
	}
	emulator := exec.Command(command[0], append(command[1:], "--port", "0", "--log-level", "warn")...)
	emulator.Stderr = os.Stderr
	stdout, err := emulator.StdoutPipe()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	if err := emulator.Start(); err != nil {
		fmt.Fprintln(os.Stderr, "starting the emulator:", err)
		return 2
	}
	defer func() {
		_ = emulator.Process.Signal(os.Interrupt)
		_ = emulator.Wait()
	}()
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		fmt.Fprintln(os.Stderr, "the emulator printed no URL:", err)
		return 2
	}
	if sdkURL, err = url.Parse(strings.TrimSpace(line)); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	if certificates, err = serverCertificate(sdkURL.Host); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	return m.Run()
}

// serverCertificate fetches the certificate the emulator made at start (trust on first use).
func serverCertificate(host string) (*x509.CertPool, error) {
	conn, err := tls.Dial("tcp", host, &tls.Config{InsecureSkipVerify: true})
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	pool := x509.NewCertPool()
	for _, cert := range conn.ConnectionState().PeerCertificates {
		pool.AppendCertsFromPEM(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw}))
	}
	return pool, nil
}

// connect logs in as admin (any user works without --users) with verification on.
func connect(ctx context.Context, t *testing.T) *vim25.Client {
	t.Helper()
	soapClient := soap.NewClient(sdkURL, false)
	soapClient.DefaultTransport().TLSClientConfig.RootCAs = certificates
	client, err := vim25.NewClient(ctx, soapClient)
	if err != nil {
		t.Fatal(err)
	}
	sessions := session.NewManager(client)
	if err := sessions.Login(ctx, url.UserPassword("admin", "admin")); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sessions.Logout(context.Background()) })
	return client
}

func TestTaskRunsToSuccess(t *testing.T) {
	ctx := context.Background()
	client := connect(ctx, t)
	created, err := methods.CreateTask(ctx, client, &types.CreateTask{
		This:        *client.ServiceContent.TaskManager,
		Obj:         client.ServiceContent.RootFolder,
		TaskTypeId:  "com.vmware.govmomi.simulator.test",
		InitiatedBy: "go-test",
		Cancelable:  true,
	})
	if err != nil {
		t.Fatal(err)
	}
	task := object.NewTask(client, created.Returnval.Task)
	if err := task.SetState(ctx, types.TaskInfoStateRunning, nil, nil); err != nil {
		t.Fatal(err)
	}
	if err := task.SetState(ctx, types.TaskInfoStateSuccess, "done", nil); err != nil {
		t.Fatal(err)
	}
	info, err := task.WaitForResult(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if info.State != types.TaskInfoStateSuccess || info.Result != "done" {
		t.Fatalf("got state %s, result %v", info.State, info.Result)
	}
}
