using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using AgriInsure.Domain;
using AgriInsure.Edge.Agent;
using AgriInsure.Edge.Vision;
using AgriInsure.Protocol;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using CapturePurpose = AgriInsure.Protocol.CapturePurpose;
using HandheldDevice = AgriInsure.Edge.Agent.Handheld;

namespace AgriInsure.Cli;

/// <summary><c>tools/agri edge provision|capture|status|sync</c>: the field agent's handheld as a program, in a folder
/// of its own (<see cref="HandheldFolder"/>), against a cloud started with <c>tools/agri serve</c>.</summary>
internal static class EdgeCommands
{
    private const string PassphraseHelp =
        $"The device key's passphrase is read from the environment variable {HandheldFolder.PassphraseVariable}, or asked on the terminal when it is not set.";

    public static Command Group() => new("edge", "the handheld: provision it with a cloud, capture animals from photo files, see its outbox, sync with the cloud")
    {
        Provision(), Capture(), Status(), Sync(),
    };

    private static Option<string> Folder() => new("--folder")
    {
        HelpName = "DIR",
        Description = "the handheld's folder: device.json (its identity and broker login), device.key (its key, encrypted), outbox.db",
        DefaultValueFactory = _ => Path.Combine(Commands.AgriFolder, "handheld"),
    };

    private static Verb Provision()
    {
        var cloud = CliOptions.Required("--cloud", "URL", "the cloud's HTTP address, as tools/agri serve prints it (e.g. http://127.0.0.1:5000)");
        var token = CliOptions.Required("--token", "JWT", "a field agent's bearer token for that cloud (tools/agri token --role field-agent)");
        var device = CliOptions.Required("--device", "ID", "the handheld's id, 1-64 of A-Z a-z 0-9 - _ . (the broker knows it by this id)");
        var agent = CliOptions.Optional("--agent", "ID", "the field agent the handheld is for (default: the token's user)");
        var folder = Folder();
        var verb = new Verb("provision",
            "makes the handheld's P-256 key, keeps it encrypted in the folder (PKCS#8, AES-256-CBC, PBKDF2-SHA256 with 600,000 iterations) and registers its public half " +
            "with the cloud; stores the broker login and the cloud's ack key the cloud answers with. A device id is never re-keyed: the cloud refuses an id it knows with another key. " +
            PassphraseHelp + " If no answer comes back, run the same command again: it registers the same key.",
            null,
            "AGRI_DEVICE_PASSPHRASE=… tools/agri edge provision --cloud http://127.0.0.1:5000 --token \"$(tools/agri token --user li.wei --tenant picc-sichuan --role field-agent)\" --device HH-017")
        {
            cloud, token, device, agent, folder,
        };
        verb.SetAction(async (p, ct) =>
        {
            var url = p.GetValue(cloud)!;
            if (!Uri.TryCreate(url.EndsWith('/') ? url : url + "/", UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
                throw new UsageException($"--cloud: '{url}' is not an http or https address such as http://127.0.0.1:5000");
            if (Id.FirstError((p.GetValue(device), "--device"), (p.GetValue(agent) ?? "unset", "--agent")) is { } bad)
                throw new UsageException(bad.ToString());
            var target = p.GetValue(folder)!;
            if (File.Exists(target))
                throw new UsageException($"--folder {target} is a file; it takes a folder");
            var passphrase = Passphrase(confirm: !File.Exists(HandheldFolder.KeyPath(target)));
            var settings = await Guarded(() => HandheldFolder.ProvisionAsync(target, uri, p.GetValue(token)!, p.GetValue(device)!, p.GetValue(agent), passphrase, ct: ct));
            Console.WriteLine($"provisioned {settings.DeviceId} for agent {settings.AgentId} of {settings.Tenant} in {target}; broker {settings.BrokerHost}:{settings.BrokerPort}");
            return (int)ExitCode.Success;
        });
        return verb;
    }

    private static Verb Capture()
    {
        var folder = Folder();
        var purpose = new Option<string>("--purpose") { HelpName = "enrol|claim", Description = "enrol: a new animal for insurance; claim: a dead insured animal", Required = true };
        purpose.AcceptOnlyFromAmong("enrol", "claim");
        var species = new Option<string>("--species") { HelpName = "SPECIES", Description = "the animal's species", DefaultValueFactory = _ => "cattle" };
        var photos = new Option<string[]>("--photo")
        {
            HelpName = "FILE", Description = $"a photo of the animal's face (JPEG, or a phone's motion photo); repeat for 1 to {Limits.MaxPhotos} photos of one animal ({HandheldDevice.RecommendedEnrolmentPhotos} for an enrolment)",
            Required = true, Arity = ArgumentArity.OneOrMore,
        };
        var gps = CliOptions.Required("--gps", "LON,LAT[,ACCURACY]", "where the photos were taken: WGS84 degrees, longitude first, and the fix's accuracy in metres (default 50)");
        var farmer = CliOptions.Optional("--farmer", "ID", "the farmer the animal belongs to (required to enrol)");
        var earTag = CliOptions.Optional("--ear-tag", "TAG", "the animal's ear tag, when it has one");
        var model = new Option<string>("--model") { HelpName = "MANIFEST", Description = "the face embedder's manifest", DefaultValueFactory = _ => Commands.DefaultManifest };
        var faceCheckModel = new Option<string>("--face-check")
        {
            HelpName = "MANIFEST", Description = "the face check's manifest: refuses photos that show no cattle face", DefaultValueFactory = _ => Commands.DefaultFaceCheck,
        };
        var verb = new Verb("capture",
            "runs the face pipeline on photo files (decode, quality gate, face check, embedding) and queues one signed capture in the outbox; prints its id, or each refused photo with why. " + PassphraseHelp,
            "a photo was refused by the quality gate or the face check (each is named with why); nothing was queued: take it again (a file that is no photo: exit 2)",
            "tools/agri edge capture --purpose enrol --farmer F-0001 --photo cow1.jpg --photo cow2.jpg --photo cow3.jpg --gps 103.00,30.01,5",
            "tools/agri edge capture --purpose claim --photo dead.jpg --gps 103.00,30.01")
        {
            folder, purpose, species, photos, gps, farmer, earTag, model, faceCheckModel,
        };
        verb.SetAction(async (p, ct) =>
        {
            var fix = ParseGps(p.GetValue(gps)!);
            if (!SpeciesNames.Parse(p.GetValue(species), "--species").TryGet(out var kind, out var speciesError))
                throw new UsageException(speciesError.ToString());
            var wanted = p.GetValue(purpose) == "enrol" ? CapturePurpose.Enrol : CapturePurpose.Claim;
            if (wanted == CapturePurpose.Enrol && p.GetValue(farmer) is null)
                throw new UsageException("--farmer: an enrolment names the farmer the animal belongs to");
            if (Id.FirstError((p.GetValue(farmer) ?? "unset", "--farmer"), (p.GetValue(earTag) ?? "unset", "--ear-tag")) is { } bad)
                throw new UsageException(bad.ToString());
            var files = p.GetValue(photos)!;
            if (files.Length > Limits.MaxPhotos)
                throw new UsageException($"--photo: {files.Length} photos; a capture takes 1 to {Limits.MaxPhotos} of one animal");
            var bytes = files.Select(f => File.Exists(f) ? Read(f) : throw new UsageException($"--photo {f} does not exist")).ToList();
            var target = p.GetValue(folder)!;
            var settings = await Guarded(() => Task.FromResult(HandheldFolder.Load(target)));
            if (!ModelManifest.TryLoad(p.GetValue(model)!, out var manifest, out var manifestError))
                throw new UsageException($"--model {p.GetValue(model)}: {manifestError}");
            if (!ModelManifest.TryLoad(p.GetValue(faceCheckModel)!, out var check, out var checkError))
                throw new UsageException($"--face-check {p.GetValue(faceCheckModel)}: {checkError}");
            using var key = await Guarded(() => Task.FromResult(HandheldFolder.OpenKey(target, Passphrase(confirm: false))));
            using var embedder = new FaceEmbedder(manifest!);
            using var faceCheck = new FaceCheck(check!);
            await using var outbox = await OpenOutboxAsync(target, ct);
            var handheld = new HandheldDevice(settings.Identity, new FacePipeline(embedder, new QualityGate(new QualityOptions()), faceCheck), key, outbox, NullLogger<HandheldDevice>.Instance);
            var outcome = await handheld.CaptureAsync(bytes, new CaptureRequest(wanted, kind.Name(), fix, DateTimeOffset.UtcNow, p.GetValue(farmer), p.GetValue(earTag)), ct);
            if (outcome.Capture is { } queued)
            {
                Console.WriteLine(queued.CaptureId);
                Console.Error.WriteLine($"agri: queued {wanted.ToString().ToLowerInvariant()} capture {queued.CaptureId} ({queued.Photos.Count} photo(s)); tools/agri edge sync sends it");
                return (int)ExitCode.Success;
            }
            foreach (var problem in outcome.Problems)
                Console.Error.WriteLine(problem.Photo is { } n ? $"agri: --photo {files[n - 1]}: {problem.Error}" : $"agri: {problem.Error}");
            // A file that is no photo at all is a wrong argument; a photo the gate refuses is one to take again.
            if (outcome.Problems.Any(p => p.Error.Code is VisionError.Empty or VisionError.UnknownFormat or VisionError.UnsupportedFormat or VisionError.Corrupt or VisionError.PhotoCount))
            {
                Console.Error.WriteLine("agri: nothing was queued; give photo files (JPEG)");
                return (int)ExitCode.Usage;
            }
            Console.Error.WriteLine("agri: nothing was queued; take the refused photo(s) again");
            return (int)ExitCode.Found;
        });
        return verb;
    }

    private static Verb Status()
    {
        var folder = Folder();
        var json = CliOptions.Switch("--json", "print the state as JSON on stdout instead of a table");
        var verb = new Verb("status", "the outbox's state: each capture pending (with its sends) or settled (with the cloud's decision), and the acks the handheld refused",
            null,
            "tools/agri edge status", "tools/agri edge status --json | jq .pending")
        {
            folder, json,
        };
        verb.SetAction(async (p, ct) =>
        {
            var target = p.GetValue(folder)!;
            var settings = await Guarded(() => Task.FromResult(HandheldFolder.Load(target)));
            await using var outbox = await OpenOutboxAsync(target, ct);
            var state = await outbox.StateAsync(ct);
            if (p.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(new
                {
                    device = new { settings.Tenant, settings.DeviceId, settings.AgentId, settings.Cloud, broker = $"{settings.BrokerHost}:{settings.BrokerPort}" },
                    pending = state.Pending,
                    settled = state.Captures.Count - state.Pending,
                    captures = state.Captures.Select(c => new
                    {
                        c.CaptureId, state = c.Pending ? "pending" : "settled", c.QueuedAt, c.Attempts, c.LastSentAt, c.SettledAt,
                        status = c.Receipt?.Status.ToString().ToLowerInvariant(), outcome = c.Receipt?.Outcome, reason = c.Receipt?.Reason, animalId = c.Receipt?.AnimalId, score = c.Receipt?.Score,
                    }),
                    refusedAcks = state.RefusedAcks,
                }, new JsonSerializerOptions(JsonSerializerDefaults.Web) { WriteIndented = true }));
                return (int)ExitCode.Success;
            }
            Console.WriteLine($"device {settings.DeviceId} of {settings.Tenant} (agent {settings.AgentId}), cloud {settings.Cloud}, broker {settings.BrokerHost}:{settings.BrokerPort}");
            Terminal.Table([new Column("capture", Ids: true), new Column("queued"), new Column("sends"), new Column("last sent"), new Column("state"), new Column("decision")],
                state.Captures.Select(c => new[]
                {
                    c.CaptureId, Time(c.QueuedAt), c.Attempts.ToString(CultureInfo.InvariantCulture), c.LastSentAt is { } t ? Time(t) : "",
                    c.Pending ? "pending" : c.Receipt!.Status.ToString().ToLowerInvariant(), c.Receipt is { } r ? Decision(r) : "",
                }).ToList(),
                (row, column) => column == 4 ? row[4] switch { "accepted" => "green", "pending" => "yellow", _ => "red" } : null);
            foreach (var refused in state.RefusedAcks)
                Console.WriteLine($"refused ack at {Time(refused.At)} on {refused.Topic} for {refused.CaptureId ?? "(unreadable)"}: {refused.Reason}");
            Console.WriteLine($"{state.Pending} pending, {state.Captures.Count - state.Pending} settled, {state.RefusedAcks.Count} ack(s) refused");
            return (int)ExitCode.Success;
        });
        return verb;
    }

    private static Verb Sync()
    {
        var folder = Folder();
        var timeout = new Option<TimeSpan>("--timeout")
        {
            HelpName = "DURATION", Description = "how long to try: to reach the broker and for the cloud's acks (e.g. 60s, 5m)",
            DefaultValueFactory = _ => TimeSpan.FromSeconds(60),
            CustomParser = r =>
            {
                var text = r.Tokens.Count == 1 ? r.Tokens[0].Value : "";
                if (ParseDuration(text) is { } d)
                    return d;
                r.AddError($"--timeout: '{text}' is not a duration from 1s to 24h, such as 60s or 5m");
                return TimeSpan.Zero;
            },
        };
        var verb = new Verb("sync",
            "connects to the cloud's broker, publishes the pending captures, waits for the cloud's signed acks and prints each decision. " +
            "Unacked captures are sent again after a wait that doubles (with jitter) up to 10 minutes. Exit 3 when captures are still pending at the timeout (offline: run it again later)",
            "the cloud will never take this handheld's captures (the broker refuses its login, or the cloud says it is revoked): what to do is printed",
            "tools/agri edge sync", "tools/agri edge sync --timeout 5m")
        {
            folder, timeout,
        };
        verb.SetAction(async (p, ct) =>
        {
            var target = p.GetValue(folder)!;
            var settings = await Guarded(() => Task.FromResult(HandheldFolder.Load(target)));
            await using var outbox = await OpenOutboxAsync(target, ct);
            var pending = await outbox.PendingCountAsync(ct);
            if (pending == 0)
            {
                Console.WriteLine("nothing to send: the outbox has no pending capture");
                return (int)ExitCode.Success;
            }
            var link = await Guarded(() => Task.FromResult(settings.Uplink()));
            await using var uplink = new Uplink(settings.Tenant, settings.DeviceId, outbox, link, NullLogger<Uplink>.Instance);
            var settled = 0;
            uplink.Settled += ack =>
            {
                Interlocked.Increment(ref settled);
                Console.WriteLine($"{ack.CaptureId}: {Decision(new Receipt(ack.CaptureId, ack.Status, ack.Outcome, ack.Reason, ack.AnimalId, ack.Score))}");
            };
            uplink.Refused += r => Console.Error.WriteLine($"agri: ignored an ack for {r.CaptureId ?? "(unreadable)"}: {r.Reason}; the capture stays queued");
            var deadline = DateTimeOffset.UtcNow + p.GetValue(timeout);
            // Reaching the broker backs off like resends do, within the time the agent gave.
            var reconnect = new RetrySchedule(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(10));
            var tries = 0;
            while (DateTimeOffset.UtcNow < deadline && uplink.Blocked is null && pending > 0)
            {
                ct.ThrowIfCancellationRequested();
                if (!await uplink.TryConnectAsync(ct))
                {
                    if (uplink.Blocked is not null)
                        break;
                    var wait = reconnect.Delay(++tries);
                    var left = deadline - DateTimeOffset.UtcNow;
                    await Task.Delay(wait < left ? wait : left > TimeSpan.Zero ? left : TimeSpan.Zero, ct);
                    continue;
                }
                await uplink.FlushAsync(ct);
                await Task.Delay(100, ct);
                pending = await outbox.PendingCountAsync(ct);
            }
            pending = await outbox.PendingCountAsync(ct);
            if (uplink.Blocked is { } blocked)
            {
                Console.Error.WriteLine($"agri: {blocked.Reason}");
                Console.Error.WriteLine($"agri: {pending} capture(s) stay queued and will not be taken from this handheld; {blocked.WhatToDo} (tools/agri edge status --folder {target} lists them)");
                return (int)ExitCode.Found;
            }
            if (pending > 0)
            {
                Console.Error.WriteLine(uplink.IsConnected
                    ? $"agri: {pending} capture(s) still wait for the cloud's ack after {Seconds(p.GetValue(timeout))}; they stay queued: run tools/agri edge sync again"
                    : $"agri: cannot reach the broker at {settings.BrokerHost}:{settings.BrokerPort} within {Seconds(p.GetValue(timeout))}; {pending} capture(s) stay queued: run tools/agri edge sync again when the cloud is in reach");
                return (int)ExitCode.Environment;
            }
            Console.Error.WriteLine($"agri: {settled} capture(s) settled; the outbox is empty");
            return (int)ExitCode.Success;
        });
        return verb;
    }

    /// <summary>The handheld library's errors as the CLI's: the agent's input exits 2, the machine or network 3.</summary>
    private static async Task<T> Guarded<T>(Func<Task<T>> work)
    {
        try
        {
            return await work();
        }
        catch (HandheldException e)
        {
            throw e.Kind == HandheldProblem.Input ? new UsageException(e.Message) : new OutputException(e.Message);
        }
    }

    private static async Task<Outbox> OpenOutboxAsync(string folder, CancellationToken ct)
    {
        try
        {
            return await Outbox.OpenAsync(HandheldFolder.OutboxPath(folder), ct);
        }
        catch (SqliteException e)
        {
            throw new OutputException($"--folder: cannot open the outbox {HandheldFolder.OutboxPath(folder)}: {e.Message}");
        }
    }

    private static byte[] Read(string file)
    {
        try
        {
            return File.ReadAllBytes(file);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"--photo {file}: cannot be read ({e.Message})");
        }
    }

    /// <summary>The passphrase from <see cref="HandheldFolder.PassphraseVariable"/>, else typed on the terminal (twice when
    /// <paramref name="confirm"/>: a new key). Errors: <see cref="UsageException"/> with neither, or a new one shorter than 8.</summary>
    private static string Passphrase(bool confirm)
    {
        var given = Environment.GetEnvironmentVariable(HandheldFolder.PassphraseVariable);
        if (given is null)
        {
            if (Console.IsInputRedirected)
                throw new UsageException($"no passphrase: set {HandheldFolder.PassphraseVariable}, or run in a terminal to type it");
            given = Ask("device key passphrase: ");
            if (confirm && Ask("again: ") != given)
                throw new UsageException("the two passphrases differ; nothing was written");
        }
        if (given.Length == 0)
            throw new UsageException($"{HandheldFolder.PassphraseVariable}: the passphrase is empty");
        if (confirm && given.Length < 8)
            throw new UsageException($"{HandheldFolder.PassphraseVariable}: a new key's passphrase has at least 8 characters; this one has {given.Length}");
        return given;
    }

    private static string Ask(string prompt)
    {
        Console.Error.Write(prompt);
        var typed = new StringBuilder();
        for (var k = Console.ReadKey(intercept: true); k.Key != ConsoleKey.Enter; k = Console.ReadKey(intercept: true))
        {
            if (k.Key == ConsoleKey.Backspace && typed.Length > 0)
                typed.Length--;
            else if (!char.IsControl(k.KeyChar))
                typed.Append(k.KeyChar);
        }
        Console.Error.WriteLine();
        return typed.ToString();
    }

    /// <summary>"LON,LAT[,ACCURACY]": WGS84 degrees and metres. Errors: <see cref="UsageException"/> naming --gps.</summary>
    internal static GpsFix ParseGps(string text)
    {
        var parts = text.Split(',', StringSplitOptions.TrimEntries);
        var numbers = parts.Select(t => double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && double.IsFinite(v) ? v : (double?)null).ToList();
        if (parts.Length is < 2 or > 3 || numbers.Any(n => n is null))
            throw new UsageException($"--gps: '{text}' is not LON,LAT or LON,LAT,ACCURACY in degrees and metres, with points for decimals (103.00,30.01,5)");
        var (lon, lat, accuracy) = (numbers[0]!.Value, numbers[1]!.Value, numbers.Count == 3 ? numbers[2]!.Value : 50);
        if (lon is < -180 or > 180)
            throw new UsageException($"--gps: longitude {lon} is outside -180..180 (longitude comes first)");
        if (lat is < -90 or > 90)
            throw new UsageException($"--gps: latitude {lat} is outside -90..90");
        if (accuracy is <= 0 or > 10_000)
            throw new UsageException($"--gps: accuracy {accuracy} m is not a fix's accuracy (more than 0, at most 10000 m)");
        return new GpsFix(lat, lon, accuracy);
    }

    /// <summary>"90", "90s", "5m", "1h": 1 s to 24 h; null for anything else.</summary>
    internal static TimeSpan? ParseDuration(string text)
    {
        var unit = text.Length > 0 && char.IsAsciiLetter(text[^1]) ? text[^1] : 's';
        var number = char.IsAsciiLetter(unit) && text.Length > 0 && char.IsAsciiLetter(text[^1]) ? text[..^1] : text;
        if (!double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var n) || !double.IsFinite(n))
            return null;
        TimeSpan? d = unit switch { 's' => TimeSpan.FromSeconds(n), 'm' => TimeSpan.FromMinutes(n), 'h' => TimeSpan.FromHours(n), _ => null };
        return d is { } span && span >= TimeSpan.FromSeconds(1) && span <= TimeSpan.FromHours(24) ? span : null;
    }

    private static string Decision(Receipt r) =>
        $"{r.Status.ToString().ToLowerInvariant()} {r.Outcome}" + (r.AnimalId is { } a ? $" animal {a}" : "") +
        (r.Score is { } s ? string.Create(CultureInfo.InvariantCulture, $" (score {s:0.000})") : "") + (r.Reason is { Length: > 0 } why ? $": {why}" : "");

    private static string Time(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);

    private static string Seconds(TimeSpan t) => string.Create(CultureInfo.InvariantCulture, $"{t.TotalSeconds:0} s");
}
