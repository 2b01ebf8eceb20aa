using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace AgriInsure.Registry.Tests;

/// <summary>The PostgreSQL tests' one server: Debian's PostgreSQL, started by the first test that needs it on
/// 127.0.0.1, a free port and a temporary data directory (its socket there too), stopped when the collection's last
/// test ends, also when tests fail, and its directory deleted. As root (CI) it runs as the <c>postgres</c> user, which
/// the server requires. Each test class has a database, each test a schema of its own in it.</summary>
public sealed class PostgresServer : IAsyncLifetime
{
    // Under /tmp whatever TMPDIR says: the postgres user must reach it, and a socket's path is short there.
    private readonly string _folder = Path.Combine("/tmp", "agri-pg-" + Guid.NewGuid().ToString("N"));
    private string _bin = "";
    private int _port;
    private bool _running;

    private string Data => Path.Combine(_folder, "data");

    /// <summary>Whether the server keeps PostgreSQL's durability defaults (fsync, synchronous commit, full-page writes), as
    /// a deployment runs it: a benchmark's case (tools/bench). Off for tests, whose data is thrown away.</summary>
    public bool Durable { get; init; }

    /// <summary>How long initdb and the start took.</summary>
    public TimeSpan StartTime { get; private set; }

    public async Task InitializeAsync()
    {
        var clock = Stopwatch.StartNew();
        try
        {
            await StartAsync();
        }
        catch
        {
            // xunit does not dispose a fixture whose start failed: what was made goes now.
            await StopAsync();
            throw;
        }
        StartTime = clock.Elapsed;
    }

    private async Task StartAsync()
    {
        _bin = FindBinaries();
        await StopAbandonedAsync();
        Directory.CreateDirectory(_folder);
        await File.WriteAllTextAsync(Path.Combine(_folder, OwnerFile), Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
        if (Environment.IsPrivilegedProcess)
            await RunAsync("chown", ["postgres:postgres", _folder], asServerUser: false);
        // Trust on the loopback: the server listens on 127.0.0.1 only and lives for this run.
        await RunAsync(Path.Combine(_bin, "initdb"), ["-D", Data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"]);
        // A process that ends without disposing the fixture (a cancelled run) still stops its server.
        AppDomain.CurrentDomain.ProcessExit += (_, _) => StopAsync().GetAwaiter().GetResult();
        for (var attempt = 1; ; attempt++)
        {
            _port = FreePort();
            try
            {
                // Durability off unless asked for: the data is thrown away at the end, and fsyncs would dominate the tests' time.
                var durability = Durable ? "" : " -c fsync=off -c synchronous_commit=off -c full_page_writes=off";
                await RunAsync(Path.Combine(_bin, "pg_ctl"), ["-D", Data, "-l", Path.Combine(_folder, "server.log"), "-w", "-t", "60", "-o",
                    $"-c listen_addresses=127.0.0.1 -p {_port} -k {_folder}{durability}", "start"]);
                _running = true;
                return;
            }
            catch (InvalidOperationException) when (attempt < 3 && File.ReadAllText(Path.Combine(_folder, "server.log")).Contains("Address already in use"))
            {
                // Another process took the port between FreePort and the bind.
            }
        }
    }

    /// <summary>A new empty schema for one test, in the database of its test class (made on the class's first
    /// test): its connection string, which puts the schema first on the search path. A schema costs milliseconds
    /// where a database costs half a second.</summary>
    public async Task<string> CreateStoreAsync(Type testClass)
    {
        var database = await _databases.GetOrAdd(testClass, _ => CreateDatabaseAsync());
        var schema = "test_" + Guid.NewGuid().ToString("N");
        await ExecAsync(database, $"CREATE SCHEMA {schema}");
        return ConnectionString(database) + $";Search Path={schema}";
    }

    private readonly ConcurrentDictionary<Type, Task<string>> _databases = new();

    private async Task<string> CreateDatabaseAsync()
    {
        var name = "registry_" + Guid.NewGuid().ToString("N");
        // FILE_COPY: without fsync, copying the template's files beats writing them through the log.
        await ExecAsync("postgres", $"CREATE DATABASE {name} STRATEGY FILE_COPY");
        return name;
    }

    private async Task ExecAsync(string database, string sql)
    {
        await using var db = new NpgsqlConnection(ConnectionString(database) + ";Pooling=false");
        await db.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, db);
        await cmd.ExecuteNonQueryAsync();
    }

    private string ConnectionString(string database) => $"Host=127.0.0.1;Port={_port};Username=postgres;Database={database}";

    public Task DisposeAsync() => StopAsync();

    private async Task StopAsync()
    {
        if (_running)
        {
            _running = false;
            // Every client closes its pool first; immediate: the data is deleted next, nothing to checkpoint.
            NpgsqlConnection.ClearAllPools();
            await RunAsync(Path.Combine(_bin, "pg_ctl"), ["-D", Data, "-m", "immediate", "-w", "stop"]);
        }
        if (Directory.Exists(_folder))
            Directory.Delete(_folder, recursive: true);
    }

    private const string OwnerFile = "owner.pid";

    /// <summary>Stops the servers of earlier runs whose test process was killed before it could (its id, in the
    /// folder, names no live process) and deletes their folders.</summary>
    private async Task StopAbandonedAsync()
    {
        foreach (var folder in Directory.GetDirectories("/tmp", "agri-pg-*"))
        {
            var owner = Path.Combine(folder, OwnerFile);
            if (!File.Exists(owner) || !int.TryParse(await File.ReadAllTextAsync(owner), out var pid) || Directory.Exists($"/proc/{pid}"))
                continue;
            var data = Path.Combine(folder, "data");
            if (File.Exists(Path.Combine(data, "postmaster.pid")))
            {
                try
                {
                    await RunAsync(Path.Combine(_bin, "pg_ctl"), ["-D", data, "-m", "immediate", "-w", "stop"]);
                }
                catch (InvalidOperationException)
                {
                    // Not running after all (the pid file outlived a crash): nothing to stop.
                }
            }
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>Debian's server programs lie in /usr/lib/postgresql/MAJOR/bin, off the PATH: the newest major there,
    /// else wherever initdb on the PATH leads (a link to them, or another installation).</summary>
    private static string FindBinaries()
    {
        if (Directory.Exists("/usr/lib/postgresql"))
        {
            var debian = Directory.GetDirectories("/usr/lib/postgresql")
                .Where(d => File.Exists(Path.Combine(d, "bin", "initdb")) && int.TryParse(Path.GetFileName(d), out _))
                .OrderByDescending(d => int.Parse(Path.GetFileName(d)))
                .FirstOrDefault();
            if (debian is not null)
                return Path.Combine(debian, "bin");
        }
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            var initdb = Path.Combine(dir, "initdb");
            if (File.Exists(initdb))
                return Path.GetDirectoryName(File.ResolveLinkTarget(initdb, returnFinalTarget: true)?.FullName ?? initdb)!;
        }
        throw new InvalidOperationException("PostgreSQL's initdb was found neither in /usr/lib/postgresql/*/bin nor on the PATH: run tools/test, which installs Debian's postgresql");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Runs a program to its end (a minute at most), as the <c>postgres</c> user when this process is root.
    /// Errors: <see cref="InvalidOperationException"/> with its output when it fails.</summary>
    private static async Task RunAsync(string program, IReadOnlyList<string> args, bool asServerUser = true)
    {
        var start = asServerUser && Environment.IsPrivilegedProcess
            ? new ProcessStartInfo("runuser", ["-u", "postgres", "--", program, .. args])
            : new ProcessStartInfo(program, args);
        start.RedirectStandardOutput = start.RedirectStandardError = true;
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new InvalidOperationException($"{Path.GetFileName(program)} did not finish within a minute");
        }
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{Path.GetFileName(program)} {string.Join(' ', args)} exited {process.ExitCode}: {await output}{await errors}");
    }
}

/// <summary>The PostgreSQL tests share one server; xunit runs a collection's classes one after another.</summary>
[CollectionDefinition(Name)]
public sealed class PostgresCollection : ICollectionFixture<PostgresServer>
{
    public const string Name = "postgres";
}
