// Command pulumi-language-python is the Python language host of the real-engine tier.
//
// The upstream host lives in its own Go module (sdk/python/cmd/pulumi-language-python), which the Go
// module proxy reachable here does not serve. This host is built on the same SDK packages the upstream
// one uses (sdk/v3/python/toolchain for pip/uv/poetry and virtualenv handling, the pulumirpc protocol)
// and runs programs through the SDK's own exec shim (sdk/v3/python/cmd/pulumi-language-python-exec,
// installed beside this binary by `make engine`). It implements what `pulumi preview/up/destroy`,
// `pulumi install` and policy packs need: plugin discovery, Run, RunPlugin, InstallDependencies and
// About. Code generation (GenerateProject, GeneratePackage, Pack…) is not implemented.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"github.com/pulumi/pulumi/sdk/v3/python/toolchain"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/types/known/emptypb"
)

// version is set at build time (-ldflags -X main.version=...) to the pinned Pulumi version.
var version = "0.0.0-dev"

// userActionableExit is the exit code the exec shim uses after it has shown the user an error.
const userActionableExit = 32

// pluginScript lists the resource plugins that the installed Python packages declare in their
// pulumi-plugin.json, the file every Pulumi provider SDK ships for this purpose.
const pluginScript = `
import json, importlib.metadata as md, pathlib
seen = {}
for dist in md.distributions():
    for f in dist.files or []:
        if f.name == "pulumi-plugin.json" and len(f.parts) == 2:
            data = json.loads(pathlib.Path(dist.locate_file(f)).read_text())
            if data.get("resource"):
                seen[data["name"]] = {"name": data["name"], "version": data.get("version", ""),
                                      "server": data.get("server", "")}
print(json.dumps(sorted(seen.values(), key=lambda p: p["name"])))
`

type host struct {
	pulumirpc.UnimplementedLanguageRuntimeServer
	engineAddress string
	execShim      string
}

func main() {
	flags := flag.NewFlagSet("pulumi-language-python", flag.ContinueOnError)
	flags.String("tracing", "", "ignored (tracing endpoint)")
	flags.Bool("logtostderr", false, "ignored")
	flags.Bool("logflow", false, "ignored")
	flags.Int("v", 0, "ignored (verbosity)")
	flags.String("root", "", "ignored (project root; sent again in each request)")
	if err := flags.Parse(os.Args[1:]); err != nil {
		fail(err)
	}
	self, err := os.Executable()
	if err != nil {
		fail(err)
	}
	shim := filepath.Join(filepath.Dir(self), "pulumi-language-python-exec")
	if _, err := os.Stat(shim); err != nil {
		fail(fmt.Errorf("the exec shim is missing beside the language host (%s): run `make engine`", shim))
	}
	h := &host{engineAddress: flags.Arg(0), execShim: shim}
	handle, err := rpcutil.ServeWithOptions(rpcutil.ServeOptions{
		Init: func(srv *grpc.Server) error {
			pulumirpc.RegisterLanguageRuntimeServer(srv, h)
			return nil
		},
	})
	if err != nil {
		fail(fmt.Errorf("could not start the language host RPC server: %w", err))
	}
	fmt.Printf("%d\n", handle.Port)
	if err := <-handle.Done; err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintf(os.Stderr, "pulumi-language-python: %v\n", err)
	os.Exit(1)
}

// resolve maps the runtime options of Pulumi.yaml (or PulumiPolicy.yaml) onto the SDK's toolchain.
func resolve(info *pulumirpc.ProgramInfo) (toolchain.Toolchain, error) {
	opts := map[string]any{}
	if info.GetOptions() != nil {
		opts = info.GetOptions().AsMap()
	}
	py := toolchain.PythonOptions{Root: info.GetRootDirectory(), ProgramDir: info.GetProgramDirectory()}
	if v, ok := opts["virtualenv"].(string); ok {
		py.Virtualenv = v
	}
	switch name, _ := opts["toolchain"].(string); name {
	case "", "pip":
		py.Toolchain = toolchain.Pip
	case "uv":
		py.Toolchain = toolchain.Uv
	case "poetry":
		py.Toolchain = toolchain.Poetry
	default:
		return nil, fmt.Errorf("unsupported toolchain %q in runtime.options.toolchain (expected pip, uv or poetry)", name)
	}
	if checker, ok := opts["typechecker"].(string); ok && checker != "" {
		return nil, fmt.Errorf("runtime.options.typechecker %q is not supported by this language host; "+
			"run the type checker in the test suite instead", checker)
	}
	return toolchain.ResolveToolchain(py)
}

func (h *host) Handshake(ctx context.Context, req *pulumirpc.LanguageHandshakeRequest,
) (*pulumirpc.LanguageHandshakeResponse, error) {
	if req.GetEngineAddress() != "" {
		h.engineAddress = req.GetEngineAddress()
	}
	return &pulumirpc.LanguageHandshakeResponse{}, nil
}

type pluginDecl struct {
	Name    string `json:"name"`
	Version string `json:"version"`
	Server  string `json:"server"`
}

func (h *host) declaredPlugins(ctx context.Context, info *pulumirpc.ProgramInfo) ([]pluginDecl, error) {
	tc, err := resolve(info)
	if err != nil {
		return nil, err
	}
	if err := tc.ValidateVenv(ctx); err != nil {
		return nil, err
	}
	cmd, err := tc.Command(ctx, "-c", pluginScript)
	if err != nil {
		return nil, err
	}
	cmd.Dir = info.GetProgramDirectory()
	out, err := cmd.Output()
	if err != nil {
		var exitErr *exec.ExitError
		if errors.As(err, &exitErr) {
			return nil, fmt.Errorf("listing the program's provider plugins failed: %s", exitErr.Stderr)
		}
		return nil, err
	}
	var decls []pluginDecl
	if err := json.Unmarshal(out, &decls); err != nil {
		return nil, fmt.Errorf("listing the program's provider plugins: %w", err)
	}
	return decls, nil
}

func (h *host) GetRequiredPackages(ctx context.Context, req *pulumirpc.GetRequiredPackagesRequest,
) (*pulumirpc.GetRequiredPackagesResponse, error) {
	decls, err := h.declaredPlugins(ctx, req.GetInfo())
	if err != nil {
		return nil, err
	}
	resp := &pulumirpc.GetRequiredPackagesResponse{}
	for _, d := range decls {
		resp.Packages = append(resp.Packages, &pulumirpc.PackageDependency{
			Kind: "resource", Name: d.Name, Version: d.Version, Server: d.Server,
		})
	}
	return resp, nil
}

// GetRequiredPlugins answers engines that predate GetRequiredPackages, from the same list.
func (h *host) GetRequiredPlugins(ctx context.Context, req *pulumirpc.GetRequiredPluginsRequest,
) (*pulumirpc.GetRequiredPluginsResponse, error) {
	packages, err := h.GetRequiredPackages(ctx, &pulumirpc.GetRequiredPackagesRequest{Info: req.GetInfo()})
	if err != nil {
		return nil, err
	}
	resp := &pulumirpc.GetRequiredPluginsResponse{}
	for _, p := range packages.GetPackages() {
		resp.Plugins = append(resp.Plugins, &pulumirpc.PluginDependency{Kind: p.Kind, Name: p.Name, Version: p.Version, Server: p.Server})
	}
	return resp, nil
}

// Run executes the program through the SDK's exec shim, exactly as the upstream host does: config and
// secret keys travel in PULUMI_CONFIG / PULUMI_CONFIG_SECRET_KEYS, the rest as flags.
func (h *host) Run(ctx context.Context, req *pulumirpc.RunRequest) (*pulumirpc.RunResponse, error) {
	tc, err := resolve(req.GetInfo())
	if err != nil {
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}
	if err := tc.ValidateVenv(ctx); err != nil {
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}
	args := []string{"-u", h.execShim}
	add := func(k, v string) {
		if v != "" {
			args = append(args, "--"+k, v)
		}
	}
	add("monitor", req.GetMonitorAddress())
	add("engine", h.engineAddress)
	add("project", req.GetProject())
	add("stack", req.GetStack())
	add("pwd", req.GetPwd())
	add("dry_run", strconv.FormatBool(req.GetDryRun()))
	add("parallel", strconv.Itoa(int(req.GetParallel())))
	add("organization", req.GetOrganization())
	add("root_directory", req.GetInfo().GetRootDirectory())
	program := req.GetInfo().GetEntryPoint()
	if program == "" {
		program = "."
	}
	args = append(args, program)
	args = append(args, req.GetArgs()...)

	cmd, err := tc.Command(ctx, args...)
	if err != nil {
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}
	cmd.Dir = req.GetInfo().GetProgramDirectory()
	config, err := json.Marshal(req.GetConfig())
	if err != nil {
		return nil, err
	}
	secretKeys, err := json.Marshal(req.GetConfigSecretKeys())
	if err != nil {
		return nil, err
	}
	cmd.Env = append(cmd.Environ(), "PULUMI_CONFIG="+string(config), "PULUMI_CONFIG_SECRET_KEYS="+string(secretKeys))
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	if err := cmd.Run(); err != nil {
		var exitErr *exec.ExitError
		if errors.As(err, &exitErr) {
			if exitErr.ExitCode() == userActionableExit {
				return &pulumirpc.RunResponse{Bail: true}, nil
			}
			return &pulumirpc.RunResponse{Error: fmt.Sprintf("Program exited with non-zero exit code: %d", exitErr.ExitCode())}, nil
		}
		return &pulumirpc.RunResponse{Error: fmt.Sprintf("Problem executing program (could not run language executor): %v", err)}, nil
	}
	return &pulumirpc.RunResponse{}, nil
}

// RunPlugin runs a plugin written in Python. The engine uses it for Python policy packs once a Python
// language host is installed: `python -m pulumi.policy <engine> <pack dir>` in the pack's virtualenv.
func (h *host) RunPlugin(req *pulumirpc.RunPluginRequest, server grpc.ServerStreamingServer[pulumirpc.RunPluginResponse]) error {
	ctx := server.Context()
	tc, err := resolve(req.GetInfo())
	if err != nil {
		return err
	}
	if err := tc.ValidateVenv(ctx); err != nil {
		return err
	}
	var cmd *exec.Cmd
	if req.GetKind() == "analyzer" {
		args := append(append([]string{}, req.GetArgs()...), req.GetInfo().GetProgramDirectory())
		cmd, err = tc.ModuleCommand(ctx, "pulumi.policy", args...)
	} else {
		args := append([]string{"-u", req.GetInfo().GetProgramDirectory()}, req.GetArgs()...)
		cmd, err = tc.Command(ctx, args...)
	}
	if err != nil {
		return err
	}
	cmd.Dir = req.GetPwd()
	env := req.GetEnv()
	if len(env) == 0 {
		env = os.Environ()
	}
	if venv, err := tc.VirtualEnvPath(ctx); err == nil && venv != "" {
		env = toolchain.ActivateVirtualEnv(env, venv)
	}
	cmd.Env = append(env, "PYTHONUNBUFFERED=1")
	return stream(cmd, func(out []byte, isErr bool) error {
		if isErr {
			return server.Send(&pulumirpc.RunPluginResponse{Output: &pulumirpc.RunPluginResponse_Stderr{Stderr: out}})
		}
		return server.Send(&pulumirpc.RunPluginResponse{Output: &pulumirpc.RunPluginResponse_Stdout{Stdout: out}})
	}, func(code int) error {
		return server.Send(&pulumirpc.RunPluginResponse{Output: &pulumirpc.RunPluginResponse_Exitcode{Exitcode: int32(code)}})
	})
}

// stream runs cmd, forwarding stdout and stderr line by line (a plugin's first stdout line is its
// port, which the engine waits for) and then its exit code.
func stream(cmd *exec.Cmd, send func([]byte, bool) error, exit func(int) error) error {
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	var mu sync.Mutex
	var wg sync.WaitGroup
	pump := func(r io.Reader, isErr bool) {
		defer wg.Done()
		reader := bufio.NewReader(r)
		for {
			line, err := reader.ReadBytes('\n')
			if len(line) > 0 {
				mu.Lock()
				_ = send(line, isErr)
				mu.Unlock()
			}
			if err != nil {
				return
			}
		}
	}
	wg.Add(2)
	go pump(stdout, false)
	go pump(stderr, true)
	wg.Wait()
	code := 0
	if err := cmd.Wait(); err != nil {
		var exitErr *exec.ExitError
		if !errors.As(err, &exitErr) {
			return err
		}
		code = exitErr.ExitCode()
	}
	if exit != nil {
		return exit(code)
	}
	return nil
}

type streamWriter struct{ send func([]byte) error }

func (w streamWriter) Write(p []byte) (int, error) {
	if err := w.send(append([]byte{}, p...)); err != nil {
		return 0, err
	}
	return len(p), nil
}

// InstallDependencies creates the virtualenv and installs the project's dependencies with the
// configured toolchain (pip reads requirements.txt; uv and poetry read pyproject.toml).
func (h *host) InstallDependencies(req *pulumirpc.InstallDependenciesRequest,
	server grpc.ServerStreamingServer[pulumirpc.InstallDependenciesResponse],
) error {
	ctx := server.Context()
	tc, err := resolve(req.GetInfo())
	if err != nil {
		return err
	}
	stdout := streamWriter{func(b []byte) error {
		return server.Send(&pulumirpc.InstallDependenciesResponse{Stdout: b})
	}}
	stderr := streamWriter{func(b []byte) error {
		return server.Send(&pulumirpc.InstallDependenciesResponse{Stderr: b})
	}}
	dir := req.GetInfo().GetProgramDirectory()
	return tc.InstallDependencies(ctx, dir, req.GetUseLanguageVersionTools(), true, stdout, stderr)
}

func (h *host) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: version}, nil
}

func (h *host) About(ctx context.Context, req *pulumirpc.AboutRequest) (*pulumirpc.AboutResponse, error) {
	tc, err := resolve(req.GetInfo())
	if err != nil {
		return nil, err
	}
	info, err := tc.About(ctx)
	if err != nil {
		return nil, err
	}
	return &pulumirpc.AboutResponse{
		Executable: info.PythonExecutable,
		Version:    info.PythonVersion.String(),
		Metadata:   map[string]string{"toolchain": strings.TrimSpace(info.ToolchainVersion.String()), "host": "fintech-blueprint " + version},
	}, nil
}

func (h *host) GetProgramDependencies(ctx context.Context, req *pulumirpc.GetProgramDependenciesRequest,
) (*pulumirpc.GetProgramDependenciesResponse, error) {
	tc, err := resolve(req.GetInfo())
	if err != nil {
		return nil, err
	}
	deps, err := tc.ListPackages(ctx, req.GetTransitiveDependencies())
	if err != nil {
		return nil, err
	}
	resp := &pulumirpc.GetProgramDependenciesResponse{}
	for _, d := range deps {
		resp.Dependencies = append(resp.Dependencies, &pulumirpc.DependencyInfo{Name: d.Name, Version: d.Version})
	}
	return resp, nil
}

func (h *host) RuntimeOptionsPrompts(context.Context, *pulumirpc.RuntimeOptionsRequest) (*pulumirpc.RuntimeOptionsResponse, error) {
	return &pulumirpc.RuntimeOptionsResponse{}, nil
}
