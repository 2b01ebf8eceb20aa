using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text.Json;
using System.Threading.Channels;
using AgriInsure.Cloud.Host.Api;
using AgriInsure.Ingest.Tests;
using AgriInsure.Protocol;
using MQTTnet;
using MQTTnet.Protocol;

namespace AgriInsure.EndToEnd.Tests;

/// <summary>One OS process of the CLI (<c>dotnet agri.dll ARGS</c>, the CLI built beside this assembly) with AGRI_HOME and
/// the given environment, its console (stdout and stderr interleaved) kept; stopped with SIGTERM or killed with SIGKILL
/// (<c>kill -9</c>: no handler runs, nothing is flushed), and killed when disposed still running, so a failing test leaves
/// nothing behind.</summary>
internal sealed class AgriProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _lines = new();

    private AgriProcess(string name, Process process)
    {
        (Name, _process) = (name, process);
        _process.OutputDataReceived += (_, e) => Keep(e.Data);
        _process.ErrorDataReceived += (_, e) => Keep(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public string Name { get; }

    /// <summary>The process id.</summary>
    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>The exit status, once <see cref="HasExited"/>.</summary>
    public int ExitCode => _process.ExitCode;

    /// <summary>The processor time it has used so far (user and system).</summary>
    public TimeSpan CpuTime
    {
        get
        {
            _process.Refresh();
            return _process.TotalProcessorTime;
        }
    }

    /// <summary>What it wrote so far, stdout and stderr interleaved.</summary>
    public IReadOnlyCollection<string> Lines => _lines;

    /// <summary>Its last <paramref name="count"/> lines, one a line: for a failure's message.</summary>
    public string Tail(int count) => string.Join('\n', _lines.TakeLast(count));

    /// <summary>Starts <c>dotnet agri.dll</c> with <paramref name="arguments"/>; AGRI_HOME is <paramref name="home"/>.</summary>
    public static AgriProcess Start(string name, string home, IEnumerable<string> arguments, IReadOnlyDictionary<string, string> environment)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in arguments.Prepend(Path.Combine(AppContext.BaseDirectory, "agri.dll")))
            start.ArgumentList.Add(a);
        start.Environment["AGRI_HOME"] = home;
        foreach (var (key, value) in environment)
            start.Environment[key] = value;
        return new AgriProcess(name, Process.Start(start)!);
    }

    private void Keep(string? line)
    {
        if (line is not null)
            _lines.Enqueue(line);
    }

    /// <summary>Waits for the exit; its exit code. Errors: <see cref="TimeoutException"/> (after killing it) when it has not
    /// exited within <paramref name="timeout"/>.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var wait = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(wait.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{Name} did not exit within {timeout.TotalSeconds:0} s:\n{Tail(20)}");
        }
        return _process.ExitCode;
    }

    /// <summary>Sends SIGTERM and waits for the exit; its exit code. Errors: <see cref="TimeoutException"/> (after killing it)
    /// when it has not exited within <paramref name="timeout"/>.</summary>
    public Task<int> StopAsync(TimeSpan timeout)
    {
        Signal(SigTerm);
        return WaitForExitAsync(timeout);
    }

    /// <summary>Sends SIGKILL and waits for the exit.</summary>
    public Task KillAsync()
    {
        Signal(SigKill);
        return WaitForExitAsync(TimeSpan.FromSeconds(30));
    }

    private void Signal(int signal)
    {
        if (!_process.HasExited && Kill(_process.Id, signal) != 0 && !_process.HasExited)
            throw new InvalidOperationException($"kill -{signal} {_process.Id} failed: errno {Marshal.GetLastPInvokeError()}");
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }

    private const int SigKill = 9;
    private const int SigTerm = 15;

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);
}

/// <summary>One <c>agri serve</c> process as an operator starts it (<see cref="AgriProcess"/>), its console (JSON log lines)
/// kept. Used by the two-host test, the fault-injection test and the ingest benchmark (tools/bench).</summary>
internal sealed class ServeProcess : IAsyncDisposable
{
    private readonly AgriProcess _process;
    private readonly (string Home, string Folder, string[] Settings, IReadOnlyDictionary<string, string> Environment) _start;
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(5) };

    private ServeProcess(string name, string url, AgriProcess process, (string, string, string[], IReadOnlyDictionary<string, string>) start) =>
        (Name, Url, _process, _start) = (name, url, process, start);

    public string Name { get; }

    /// <summary>The HTTP endpoint's base address.</summary>
    public string Url { get; }

    /// <summary>The processor time it has used so far (user and system).</summary>
    public TimeSpan CpuTime => _process.CpuTime;

    /// <summary>What it wrote so far, stdout and stderr interleaved.</summary>
    public IReadOnlyCollection<string> Lines => _process.Lines;

    public bool HasExited => _process.HasExited;

    /// <summary>Starts <c>agri serve --cloud FOLDER --urls http://127.0.0.1:PORT</c> (a free port) with <paramref name="settings"/>
    /// (<c>--Section:Key=value</c>) and <paramref name="environment"/>; AGRI_HOME is <paramref name="home"/>.</summary>
    public static ServeProcess Start(string name, string home, string folder, IEnumerable<string> settings, IReadOnlyDictionary<string, string> environment)
    {
        var url = $"http://127.0.0.1:{Broker.EmbeddedBroker.FreePort()}";
        var given = settings.ToArray();
        var process = AgriProcess.Start(name, home, new[] { "serve", "--cloud", folder, "--urls", url }.Concat(given), environment);
        return new ServeProcess(name, url, process, (home, folder, given, environment));
    }

    /// <summary>A new process with this one's settings and environment (on another free port): a host started again after
    /// a crash, as a supervisor would.</summary>
    public ServeProcess StartAgain() => Start(Name, _start.Home, _start.Folder, _start.Settings, _start.Environment);

    /// <summary>Waits for <c>/health/ready</c> to answer 200. Errors: <see cref="InvalidOperationException"/> with the process's
    /// output when it exits first or is not ready within <paramref name="timeout"/>.</summary>
    public async Task WaitReadyAsync(TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout && !_process.HasExited)
        {
            try
            {
                using var ready = await Http.GetAsync($"{Url}/health/ready");
                if (ready.IsSuccessStatusCode)
                    return;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                // Not listening yet, or not answering within the client's timeout on a loaded machine: asked again.
            }
            await Task.Delay(100);
        }
        throw new InvalidOperationException($"{Name} was not ready within {timeout.TotalSeconds:0} s{(_process.HasExited ? $" (exited {_process.ExitCode})" : "")}:\n{_process.Tail(40)}");
    }

    /// <summary>Registers a farmer through the HTTP API as a field agent, with a token signed by the folder's key.</summary>
    public async Task AddFarmerAsync(string cloudFolder, string tenant, string farmerId, string name, string region)
    {
        var token = Access.Issue(new AuthOptions(), await File.ReadAllBytesAsync(Access.KeyPath(cloudFolder)), "agent-1", tenant, Role.FieldAgent, TimeSpan.FromHours(1), DateTimeOffset.UtcNow);
        using var request = new HttpRequestMessage(HttpMethod.Post, $"{Url}/api/v1/farmers") { Content = JsonContent.Create(new { id = farmerId, name, region }) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await Http.SendAsync(request);
        if (!response.IsSuccessStatusCode)
            throw new InvalidOperationException($"{Name} refused farmer {farmerId}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    /// <summary>The capture ids this process's livestock rules logged a decision on (the JSON console's <c>CaptureId</c>).</summary>
    public HashSet<string> DecidedCaptureIds()
    {
        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var line in _process.Lines)
        {
            if (!line.StartsWith('{') || !line.Contains("LivestockDesk", StringComparison.Ordinal))
                continue;
            using var json = JsonDocument.Parse(line);
            if (json.RootElement.GetProperty("Category").GetString() == "AgriInsure.Livestock.LivestockDesk"
                && json.RootElement.TryGetProperty("State", out var state) && state.TryGetProperty("CaptureId", out var id))
                ids.Add(id.GetString()!);
        }
        return ids;
    }

    /// <summary>Sends SIGTERM and waits for the exit; its exit code. Errors: <see cref="TimeoutException"/> (after killing it) when
    /// it has not exited within <paramref name="timeout"/>.</summary>
    public Task<int> StopAsync(TimeSpan timeout) => _process.StopAsync(timeout);

    /// <summary><c>kill -9</c>: the host dies wherever it is (mid-decision, mid-ack), as on a power cut; waits for the exit.</summary>
    public Task KillAsync() => _process.KillAsync();

    public ValueTask DisposeAsync() => _process.DisposeAsync();
}

/// <summary>What a <see cref="CaptureLoad"/> publishes: <see cref="Animals"/> first enrolments spread over the farmers, and for
/// <see cref="SecondPhotos"/> of those animals (every Animals/SecondPhotos-th) a second enrolment of the same animal, published
/// by another device once the first's ack is in, so the first is decided before it. Crops are <see cref="CropBytes"/> of
/// fresh random bytes inside JPEG markers (no two alike, so none is a replay); embeddings are 256-d, an animal's second
/// photo its first plus noise (cosine about 0.95), different animals' random (cosine under 0.35 among thousands).</summary>
internal sealed record LoadPlan(string Tenant, IReadOnlyList<string> Farmers, int Animals, int SecondPhotos, int CropBytes, int WindowPerDevice)
{
    public int Captures => Animals + SecondPhotos;

    public bool HasSecond(int animal) => SecondPhotos > 0 && animal % (Animals / SecondPhotos) == 0 && animal / (Animals / SecondPhotos) < SecondPhotos;
}

/// <summary>One capture published, and its ack once received (times in <see cref="Stopwatch"/> ticks).</summary>
internal sealed class Published(string captureId, string deviceId, int animal, bool second, long sentAt)
{
    public string CaptureId { get; } = captureId;
    public string DeviceId { get; } = deviceId;
    public int Animal { get; } = animal;
    public bool Second { get; } = second;
    public long SentAt { get; } = sentAt;
    public List<(Ack Ack, bool SignedByCloud, string OnDevice, long At)> Acks { get; } = [];

    public TimeSpan? Latency => Acks.Count == 0 ? null : Stopwatch.GetElapsedTime(SentAt, Acks[0].At);
}

/// <summary>Handhelds as MQTT clients of Mosquitto's devices' listener, each with its client certificate and device key,
/// publishing signed enrolments at QoS 1 (at most <see cref="LoadPlan.WindowPerDevice"/> unacknowledged each, as an
/// outbox sending ahead of its acks) and checking every ack on its own ack topic against the cloud's ack key.</summary>
internal sealed class CaptureLoad : IAsyncDisposable
{
    private readonly LoadPlan _plan;
    private readonly byte[] _cloudAckKey;
    private readonly List<(string Id, DeviceKey Key, IMqttClient Client, SemaphoreSlim Window)> _devices = [];
    private readonly ConcurrentDictionary<string, Published> _sent = new(StringComparer.Ordinal);
    private readonly Channel<(int Animal, bool Second)> _work = Channel.CreateUnbounded<(int, bool)>();
    private readonly ConcurrentDictionary<int, string> _firstAnimalCapture = new();
    private int _acked;
    private int _secondsQueued;
    private readonly TaskCompletionSource _allAcked = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private CaptureLoad(LoadPlan plan, byte[] cloudAckKey) => (_plan, _cloudAckKey) = (plan, cloudAckKey);

    public IReadOnlyDictionary<string, Published> Sent => _sent;

    /// <summary>Makes a key for each device (register their public halves with the cloud before <see cref="RunAsync"/>) and
    /// connects each to the broker, subscribed to its acks.</summary>
    public static async Task<CaptureLoad> ConnectAsync(MosquittoBroker broker, LoadPlan plan, IEnumerable<string> deviceIds, byte[] cloudAckKey)
    {
        var load = new CaptureLoad(plan, cloudAckKey);
        try
        {
            foreach (var id in deviceIds)
            {
                var client = new MqttClientFactory().CreateMqttClient();
                var key = DeviceKey.Create();
                load._devices.Add((id, key, client, new SemaphoreSlim(plan.WindowPerDevice)));
                client.ApplicationMessageReceivedAsync += e => load.OnAckAsync(id, e);
                var options = new MqttClientOptionsBuilder().WithTcpServer(broker.Host, broker.Port).WithClientId(id).WithLogin(broker.Login(id)).WithCleanStart(true).Build();
                await client.ConnectAsync(options);
                await client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter(Topics.Acks(plan.Tenant, id), MqttQualityOfServiceLevel.AtLeastOnce).Build());
            }
            return load;
        }
        catch
        {
            await load.DisposeAsync();
            throw;
        }
    }

    public IEnumerable<(string DeviceId, byte[] PublicKey)> Devices => _devices.Select(d => (d.Id, d.Key.PublicKey));

    /// <summary>Publishes the plan and waits until every capture has an ack or <paramref name="timeout"/> passes (then
    /// returns; the caller counts what came back).</summary>
    public async Task RunAsync(TimeSpan timeout)
    {
        for (var animal = 0; animal < _plan.Animals; animal++)
            _work.Writer.TryWrite((animal, false));
        if (_plan.SecondPhotos == 0)
            _work.Writer.Complete();
        using var stop = new CancellationTokenSource(timeout);
        var publishers = _devices.Select(d => Task.Run(() => PublishAsync(d, stop.Token))).ToList();
        try
        {
            await _allAcked.Task.WaitAsync(stop.Token);
        }
        catch (OperationCanceledException)
        {
            // Timed out: the caller reports how many acks are missing.
        }
        _work.Writer.TryComplete();
        await stop.CancelAsync();
        await Task.WhenAll(publishers.Select(p => p.ContinueWith(_ => { }, TaskScheduler.Default)));
    }

    private async Task PublishAsync((string Id, DeviceKey Key, IMqttClient Client, SemaphoreSlim Window) device, CancellationToken ct)
    {
        try
        {
            await foreach (var (animal, second) in _work.Reader.ReadAllAsync(ct))
            {
                await device.Window.WaitAsync(ct);
                var capture = device.Key.Sign(Enrolment(device.Id, animal, second));
                var payload = Codec.Encode(capture);
                _sent[capture.CaptureId] = new Published(capture.CaptureId, device.Id, animal, second, Stopwatch.GetTimestamp());
                if (!second)
                    _firstAnimalCapture[animal] = capture.CaptureId;
                var message = new MqttApplicationMessageBuilder().WithTopic(Topics.Captures(_plan.Tenant, device.Id)).WithPayload(payload)
                    .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build();
                var sent = await device.Client.PublishAsync(message, ct);
                if (!sent.IsSuccess)
                    throw new InvalidOperationException($"the broker refused {device.Id}'s capture: {sent.ReasonCode} {sent.ReasonString}");
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }

    private Task OnAckAsync(string deviceId, MqttApplicationMessageReceivedEventArgs e)
    {
        var at = Stopwatch.GetTimestamp();
        if (!Codec.TryDecodeAck(e.ApplicationMessage.Payload.ToArray(), out var ack) || !_sent.TryGetValue(ack!.CaptureId, out var published))
            return Task.CompletedTask;
        bool first;
        lock (published)
        {
            published.Acks.Add((ack, SignatureCheck.IsValid(ack, _cloudAckKey), deviceId, at));
            first = published.Acks.Count == 1;
        }
        if (!first)
            return Task.CompletedTask;
        _devices.First(d => d.Id == published.DeviceId).Window.Release();
        if (!published.Second && _plan.HasSecond(published.Animal))
        {
            _work.Writer.TryWrite((published.Animal, true));
            if (Interlocked.Increment(ref _secondsQueued) == _plan.SecondPhotos)
                _work.Writer.TryComplete();
        }
        if (Interlocked.Increment(ref _acked) == _plan.Captures)
            _allAcked.TrySetResult();
        return Task.CompletedTask;
    }

    /// <summary>The capture id of an animal's first enrolment, once published.</summary>
    public string? FirstCaptureOf(int animal) => _firstAnimalCapture.GetValueOrDefault(animal);

    private Capture Enrolment(string deviceId, int animal, bool second) => new()
    {
        CaptureId = NUlid.Ulid.NewUlid().ToString(), Tenant = _plan.Tenant, DeviceId = deviceId, AgentId = "agent-" + deviceId, Purpose = CapturePurpose.Enrol,
        Species = "cattle", FarmerId = _plan.Farmers[animal % _plan.Farmers.Count], Gps = new GpsFix(30.0 + animal % 7 * 0.01, 103.0, 5),
        TakenAt = DateTimeOffset.UtcNow.AddMinutes(-1), Model = new ModelRef("cattle-face-embedder", "1.3.0-int8"),
        Photos = [new CapturePhoto { Embedding = Face(animal, second), CropJpeg = Crop(_plan.CropBytes) }],
    };

    /// <summary>The animal's face as the model would embed it: a fixed random unit vector; a second photo adds noise of a
    /// third of the signal per dimension (cosine 1/√(1 + 0.33²) ≈ 0.95 to the first).</summary>
    internal static float[] Face(int animal, bool second)
    {
        var face = new Random(animal);
        var noise = new Random();
        var v = new float[256];
        for (var i = 0; i < v.Length; i++)
            v[i] = (float)(Gaussian(face) + (second ? 0.33 * Gaussian(noise) : 0));
        var norm = MathF.Sqrt(v.Sum(x => x * x));
        return [.. v.Select(x => x / norm)];
    }

    private static double Gaussian(Random r) => Math.Sqrt(-2 * Math.Log(1 - r.NextDouble())) * Math.Cos(2 * Math.PI * r.NextDouble());

    internal static byte[] Crop(int bytes)
    {
        var crop = RandomNumberGenerator.GetBytes(bytes);
        (crop[0], crop[1], crop[2], crop[3]) = (0xFF, 0xD8, 0xFF, 0xE0);
        (crop[^2], crop[^1]) = (0xFF, 0xD9);
        return crop;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var (_, key, client, window) in _devices)
        {
            if (client.IsConnected)
                await client.DisconnectAsync();
            client.Dispose();
            key.Dispose();
            window.Dispose();
        }
    }
}
