// Command govmomi-sessions drives a vtask-emulator server with the real govmomi 0.24.2 client
// library the way govc's session.ls, session.rm, role.ls and extension.info commands do, and
// the way an extension checks its privileges and logs in by certificate through the SDK tunnel.
//
// Usage:
//
//	GOVMOMI_TUNNEL_PROXY_PORT=PORT govmomi-sessions [-list] https://admin:admin@127.0.0.1:PORT/sdk
//
// The server must run with examples/users.json and --tunnel-port. It prints "PASS <step>" or
// "FAIL <step>: <reason>" for every step and exits 1 if any failed (2 on a usage error).
//
// Build offline (GOPATH mode, Debian's golang-github-vmware-govmomi-dev):
//
//	GO111MODULE=off GOPATH=/usr/share/gocode go build -o bin/govmomi-sessions .
package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"math/big"
	"net/url"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/property"
	"github.com/vmware/govmomi/session"
	"github.com/vmware/govmomi/vim25"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

const stepTimeout = 20 * time.Second

type env struct {
	u     *url.URL
	admin *vim25.Client
}

type step struct {
	name string
	run  func(ctx context.Context, e *env) error
}

var steps = []step{
	{"session_ls", stepSessionLs},
	{"session_rm", stepSessionRm},
	{"session_rm_bad_input", stepSessionRmBadInput},
	{"role_ls", stepRoleLs},
	{"extension_info", stepExtensionInfo},
	{"has_privilege_on_entity", stepHasPrivilegeOnEntity},
	{"has_privilege_on_entities", stepHasPrivilegeOnEntities},
	{"fetch_user_privilege_on_entities", stepFetchUserPrivilege},
	{"extension_certificate_login_tunnel", stepExtensionLogin},
	{"extension_certificate_login_wrong_certificate", stepExtensionLoginWrongCert},
}

func main() {
	list := flag.Bool("list", false, "print the step names and exit")
	flag.Parse()
	if *list {
		for _, s := range steps {
			fmt.Println(s.name)
		}
		return
	}
	if flag.NArg() != 1 {
		fmt.Fprintf(os.Stderr, "usage: %s [-list] https://user:pass@host:port/sdk\n", os.Args[0])
		os.Exit(2)
	}
	u, err := soap.ParseURL(flag.Arg(0))
	if err != nil || u == nil {
		fmt.Fprintf(os.Stderr, "bad URL %q: %v\n", flag.Arg(0), err)
		os.Exit(2)
	}
	if os.Getenv("GOVMOMI_TUNNEL_PROXY_PORT") == "" {
		fmt.Fprintln(os.Stderr, "GOVMOMI_TUNNEL_PROXY_PORT must name the emulator's --tunnel-port")
		os.Exit(2)
	}
	ctx := context.Background()
	e := &env{u: u}
	if e.admin, err = login(ctx, u, u.User); err != nil {
		fmt.Fprintf(os.Stderr, "cannot log in: %v\n", err)
		os.Exit(2)
	}
	failed := 0
	for _, s := range steps {
		sctx, cancel := context.WithTimeout(ctx, stepTimeout)
		err := s.run(sctx, e)
		cancel()
		if err != nil {
			failed++
			fmt.Printf("FAIL %s: %s\n", s.name, strings.ReplaceAll(err.Error(), "\n", " | "))
		} else {
			fmt.Printf("PASS %s\n", s.name)
		}
	}
	fmt.Printf("SUMMARY %d passed, %d failed\n", len(steps)-failed, failed)
	if failed > 0 {
		os.Exit(1)
	}
}

func newClient(ctx context.Context, u *url.URL, cert *tls.Certificate) (*vim25.Client, error) {
	cu := *u
	cu.User = nil
	sc := soap.NewClient(&cu, true)
	if cert != nil {
		sc.SetCertificate(*cert)
	}
	return vim25.NewClient(ctx, sc)
}

func login(ctx context.Context, u *url.URL, user *url.Userinfo) (*vim25.Client, error) {
	c, err := newClient(ctx, u, nil)
	if err != nil {
		return nil, err
	}
	if err := session.NewManager(c).Login(ctx, user); err != nil {
		return nil, err
	}
	return c, nil
}

func currentKey(ctx context.Context, c *vim25.Client) (string, error) {
	s, err := session.NewManager(c).UserSession(ctx)
	if err != nil {
		return "", err
	}
	if s == nil {
		return "", errors.New("currentSession is empty")
	}
	return s.Key, nil
}

// expectFault checks that err is a SOAP fault carrying a vim fault of type F.
func expectFault[F any](err error, what string) (F, error) {
	var zero F
	if err == nil {
		return zero, fmt.Errorf("%s succeeded, want %T", what, zero)
	}
	if !soap.IsSoapFault(err) {
		return zero, fmt.Errorf("%s: not a SOAP fault: %v", what, err)
	}
	f, ok := soap.ToSoapFault(err).VimFault().(F)
	if !ok {
		return zero, fmt.Errorf("%s: fault %T (%v), want %T", what, soap.ToSoapFault(err).VimFault(), err, zero)
	}
	return f, nil
}

// sessionLs reads the SessionManager as `govc session.ls` does: every property of it (the
// sessions in sessionList and which of them is the caller's, currentSession), then the server's
// clock to show idle times.
func sessionLs(ctx context.Context, c *vim25.Client) (mo.SessionManager, error) {
	var m mo.SessionManager
	if err := property.DefaultCollector(c).RetrieveOne(ctx, *c.ServiceContent.SessionManager, nil, &m); err != nil {
		return m, err
	}
	_, err := methods.GetCurrentTime(ctx, c)
	return m, err
}

func stepSessionLs(ctx context.Context, e *env) error {
	viewer, err := login(ctx, e.u, url.UserPassword("viewer", "viewer"))
	if err != nil {
		return err
	}
	defer func() { _ = session.NewManager(viewer).Logout(context.Background()) }()
	viewerKey, err := currentKey(ctx, viewer)
	if err != nil {
		return err
	}
	m, err := sessionLs(ctx, e.admin)
	if err != nil {
		return err
	}
	if m.CurrentSession == nil {
		return errors.New("admin: currentSession missing")
	}
	keys := map[string]string{}
	for _, s := range m.SessionList {
		keys[s.Key] = s.UserName
	}
	if keys[m.CurrentSession.Key] != "admin" || keys[viewerKey] != "viewer" {
		return fmt.Errorf("admin's sessionList %v lacks its own session %s or the viewer's %s", keys, m.CurrentSession.Key, viewerKey)
	}
	vm, err := sessionLs(ctx, viewer)
	if err != nil {
		return err
	}
	if len(vm.SessionList) != 1 || vm.SessionList[0].Key != viewerKey {
		return fmt.Errorf("viewer's sessionList has %d sessions, want only its own", len(vm.SessionList))
	}
	return nil
}

// stepSessionRm ends a session as `govc session.rm KEY` does; that client's next call is
// NotAuthenticated, and it logs in again.
func stepSessionRm(ctx context.Context, e *env) error {
	victim, err := login(ctx, e.u, url.UserPassword("operator", "operator"))
	if err != nil {
		return err
	}
	key, err := currentKey(ctx, victim)
	if err != nil {
		return err
	}
	if err := session.NewManager(e.admin).TerminateSession(ctx, []string{key}); err != nil {
		return fmt.Errorf("TerminateSession: %v", err)
	}
	_, err = methods.GetCurrentTime(ctx, victim)
	if _, ferr := expectFault[types.NotAuthenticated](err, "CurrentTime after TerminateSession"); ferr != nil {
		return ferr
	}
	m, err := sessionLs(ctx, e.admin)
	if err != nil {
		return err
	}
	for _, s := range m.SessionList {
		if s.Key == key {
			return errors.New("the terminated session is still listed")
		}
	}
	if err := session.NewManager(victim).Login(ctx, url.UserPassword("operator", "operator")); err != nil {
		return fmt.Errorf("login again: %v", err)
	}
	defer func() { _ = session.NewManager(victim).Logout(context.Background()) }()
	_, err = methods.GetCurrentTime(ctx, victim)
	return err
}

func stepSessionRmBadInput(ctx context.Context, e *env) error {
	sm := session.NewManager(e.admin)
	if _, err := expectFault[types.NotFound](sm.TerminateSession(ctx, []string{"no-such-session"}), "TerminateSession(unknown)"); err != nil {
		return err
	}
	own, err := currentKey(ctx, e.admin)
	if err != nil {
		return err
	}
	if _, err := expectFault[types.InvalidArgument](sm.TerminateSession(ctx, []string{own}), "TerminateSession(own)"); err != nil {
		return err
	}
	viewer, err := login(ctx, e.u, url.UserPassword("viewer", "viewer"))
	if err != nil {
		return err
	}
	defer func() { _ = session.NewManager(viewer).Logout(context.Background()) }()
	f, err := expectFault[types.NoPermission](session.NewManager(viewer).TerminateSession(ctx, []string{own}), "TerminateSession as viewer")
	if err != nil {
		return err
	}
	if f.PrivilegeId != "Sessions.TerminateSession" {
		return fmt.Errorf("NoPermission.privilegeId = %q", f.PrivilegeId)
	}
	return nil
}

// stepRoleLs lists roles as `govc role.ls` does (AuthorizationManager.roleList), and a role's
// privileges as `govc role.ls NAME` does.
func stepRoleLs(ctx context.Context, e *env) error {
	if e.admin.ServiceContent.AuthorizationManager == nil {
		return errors.New("ServiceContent.authorizationManager is missing")
	}
	roles, err := object.NewAuthorizationManager(e.admin).RoleList(ctx)
	if err != nil {
		return err
	}
	var names []string
	for _, r := range roles {
		names = append(names, r.Name)
		if r.Info == nil || r.Info.GetDescription().Label != r.Name {
			return fmt.Errorf("role %s has no description", r.Name)
		}
	}
	if strings.Join(names, ",") != "Admin,ReadOnly,TaskOperator,TaskCreator" {
		return fmt.Errorf("roles %v", names)
	}
	admin := roles.ById(-1)
	if admin == nil || admin.Name != "Admin" || !admin.System {
		return fmt.Errorf("role -1 is %+v, want the system role Admin", admin)
	}
	creator := roles.ByName("TaskCreator")
	privs := append([]string(nil), creator.Privilege...)
	sort.Strings(privs)
	if strings.Join(privs, ",") != "System.Anonymous,System.Read,System.View,Task.Create" {
		return fmt.Errorf("TaskCreator privileges %v", privs)
	}
	return nil
}

// stepExtensionInfo reads extensions as `govc extension.info [KEY]` does: every one
// (ExtensionManager.extensionList), or one by FindExtension.
func stepExtensionInfo(ctx context.Context, e *env) error {
	m, err := object.GetExtensionManager(e.admin)
	if err != nil {
		return err
	}
	list, err := m.List(ctx)
	if err != nil {
		return err
	}
	found := false
	for _, x := range list {
		if x.Key == "com.vmware.govmomi.simulator" {
			if x.Version != "1.0" || x.Description.GetDescription().Label == "" {
				return fmt.Errorf("simulator extension %+v", x)
			}
			found = true
		}
	}
	if !found {
		return fmt.Errorf("extensionList (%d) lacks com.vmware.govmomi.simulator", len(list))
	}
	one, err := m.Find(ctx, "com.vmware.govmomi.simulator")
	if err != nil || one == nil || one.Key != "com.vmware.govmomi.simulator" {
		return fmt.Errorf("Find(simulator) = %+v, %v", one, err)
	}
	none, err := m.Find(ctx, "com.example.not-registered")
	if err != nil || none != nil {
		return fmt.Errorf("Find(unregistered) = %+v, %v; want nothing", none, err)
	}
	return nil
}

func stepHasPrivilegeOnEntity(ctx context.Context, e *env) error {
	creator, err := login(ctx, e.u, url.UserPassword("creator", "creator"))
	if err != nil {
		return err
	}
	defer func() { _ = session.NewManager(creator).Logout(context.Background()) }()
	key, err := currentKey(ctx, creator)
	if err != nil {
		return err
	}
	// The extension asks about its own session, on its own connection.
	got, err := object.NewAuthorizationManager(creator).HasPrivilegeOnEntity(ctx, e.admin.ServiceContent.RootFolder, key, []string{"Task.Create", "Task.Update"})
	if err != nil {
		return err
	}
	if len(got) != 2 || !got[0] || got[1] {
		return fmt.Errorf("HasPrivilegeOnEntity = %v, want [true false]", got)
	}
	return nil
}

func stepHasPrivilegeOnEntities(ctx context.Context, e *env) error {
	key, err := currentKey(ctx, e.admin)
	if err != nil {
		return err
	}
	res, err := methods.HasPrivilegeOnEntities(ctx, e.admin, &types.HasPrivilegeOnEntities{
		This:      *e.admin.ServiceContent.AuthorizationManager,
		Entity:    []types.ManagedObjectReference{e.admin.ServiceContent.RootFolder},
		SessionId: key,
		PrivId:    []string{"Task.Update", "Sessions.TerminateSession"},
	})
	if err != nil {
		return err
	}
	if len(res.Returnval) != 1 || len(res.Returnval[0].PrivAvailability) != 2 {
		return fmt.Errorf("answer %+v", res.Returnval)
	}
	for _, p := range res.Returnval[0].PrivAvailability {
		if !p.IsGranted {
			return fmt.Errorf("admin lacks %s", p.PrivId)
		}
	}
	_, err = methods.HasPrivilegeOnEntities(ctx, e.admin, &types.HasPrivilegeOnEntities{
		This:      *e.admin.ServiceContent.AuthorizationManager,
		Entity:    []types.ManagedObjectReference{{Type: "Folder", Value: "group-nope"}},
		SessionId: key,
		PrivId:    []string{"System.View"},
	})
	_, err = expectFault[types.ManagedObjectNotFound](err, "HasPrivilegeOnEntities(unknown entity)")
	return err
}

func stepFetchUserPrivilege(ctx context.Context, e *env) error {
	res, err := object.NewAuthorizationManager(e.admin).FetchUserPrivilegeOnEntities(ctx, []types.ManagedObjectReference{e.admin.ServiceContent.RootFolder}, "operator")
	if err != nil {
		return err
	}
	if len(res) != 1 {
		return fmt.Errorf("%d results", len(res))
	}
	privs := append([]string(nil), res[0].Privileges...)
	sort.Strings(privs)
	if strings.Join(privs, ",") != "Global.CancelTask,System.Anonymous,System.Read,System.View,Task.Create,Task.Update" {
		return fmt.Errorf("operator privileges %v", privs)
	}
	return nil
}

// selfSigned makes a client certificate, as an extension's solution user holds one.
func selfSigned(name string) (tls.Certificate, string, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, "", err
	}
	serial, _ := rand.Int(rand.Reader, big.NewInt(1<<62))
	template := x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: name},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, &template, &template, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, "", err
	}
	keyDer, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return tls.Certificate{}, "", err
	}
	certPem := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	cert, err := tls.X509KeyPair(certPem, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDer}))
	return cert, string(certPem), err
}

// registerWithCertificate registers an extension and binds a new certificate to it.
func registerWithCertificate(ctx context.Context, e *env, key string) (tls.Certificate, error) {
	cert, certPem, err := selfSigned(key)
	if err != nil {
		return cert, err
	}
	m := object.NewExtensionManager(e.admin)
	_ = m.Unregister(ctx, key)
	err = m.Register(ctx, types.Extension{
		Description:       &types.Description{Label: key, Summary: "certificate login test"},
		Key:               key,
		Version:           "1.0",
		LastHeartbeatTime: time.Now(),
	})
	if err != nil {
		return cert, fmt.Errorf("RegisterExtension: %v", err)
	}
	if err := m.SetCertificate(ctx, key, certPem); err != nil {
		return cert, fmt.Errorf("SetExtensionCertificate: %v", err)
	}
	return cert, nil
}

// stepExtensionLogin logs in as an extension the way govmomi does it: the client presents the
// certificate, and LoginExtensionByCertificate goes through Client.Tunnel() (CONNECT
// sdkTunnel:8089 to GOVMOMI_TUNNEL_PROXY_PORT); the cookie then serves the main client.
func stepExtensionLogin(ctx context.Context, e *env) error {
	const key = "com.example.govmomi-interop"
	cert, err := registerWithCertificate(ctx, e, key)
	if err != nil {
		return err
	}
	c, err := newClient(ctx, e.u, &cert)
	if err != nil {
		return err
	}
	sm := session.NewManager(c)
	if err := sm.LoginExtensionByCertificate(ctx, key); err != nil {
		return fmt.Errorf("LoginExtensionByCertificate: %v", err)
	}
	s, err := sm.UserSession(ctx)
	if err != nil {
		return fmt.Errorf("currentSession over the main connection: %v", err)
	}
	if s == nil || s.UserName != key || s.ExtensionSession == nil || !*s.ExtensionSession {
		return fmt.Errorf("currentSession %+v, want the extension's", s)
	}
	return sm.Logout(ctx)
}

func stepExtensionLoginWrongCert(ctx context.Context, e *env) error {
	const key = "com.example.govmomi-interop-2"
	if _, err := registerWithCertificate(ctx, e, key); err != nil {
		return err
	}
	stranger, _, err := selfSigned("stranger")
	if err != nil {
		return err
	}
	c, err := newClient(ctx, e.u, &stranger)
	if err != nil {
		return err
	}
	err = session.NewManager(c).LoginExtensionByCertificate(ctx, key)
	if _, ferr := expectFault[types.InvalidLogin](err, "LoginExtensionByCertificate(wrong certificate)"); ferr != nil {
		return ferr
	}
	// The server goes on serving this client.
	_, err = methods.GetCurrentTime(ctx, e.admin)
	return err
}
