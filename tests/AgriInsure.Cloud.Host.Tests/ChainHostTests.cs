using System.Net;
using System.Text.Json;
using AgriInsure.Audit;
using AgriInsure.Cloud.Host;
using Farmer = AgriInsure.Domain.Farmer;
using AgriInsure.Ledger;
using AgriInsure.Ledger.Evm;
using AgriInsure.Ledger.Sqlite;
using AgriInsure.Ledger.Tests;
using AgriInsure.Livestock;
using AgriInsure.Protocol;
using AgriInsure.Registry;
using AgriInsure.Tests;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace AgriInsure.Cloud.Host.Tests;

/// <summary>The chain settings' validation, before any engine starts: each bad one stops the host with its name. No chain
/// is needed: the settings are refused before one is reached. Each test's key lives in an environment variable of its own
/// name, so tests running side by side do not see each other's.</summary>
public sealed class ChainSettingsTests
{
    private static readonly string SomeContract = "0x" + new string('a', 40);

    private static Dictionary<string, string?> Settings(string folder, params (string Key, string? Value)[] more)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Cloud:Folder"] = folder,
            ["Cloud:Manifest"] = Repo.Manifest,
            ["Cloud:BrokerPort"] = "0",
            ["Cloud:Ledger"] = "evm",
            ["Cloud:EvmRpcUrl"] = "http://127.0.0.1:1",
            ["Cloud:EvmContract"] = SomeContract,
        };
        foreach (var (key, value) in more)
            settings[key] = value;
        return settings;
    }

    /// <summary>A variable name nobody sets, so "unset" holds whatever the environment of the test run.</summary>
    private static string UnsetVariable() => "AGRI_TEST_UNSET_" + Guid.NewGuid().ToString("N");

    public static TheoryData<string, string, string> BadSettings => new()
    {
        { "Cloud:EvmRpcUrl", "ftp://127.0.0.1:8545", "not an http or https URL" },
        { "Cloud:EvmRpcUrl", "127.0.0.1:8545", "not an http or https URL" },
        { "Cloud:EvmContract", "", "not a contract address" },
        { "Cloud:EvmContract", "0x1234", "not a contract address" },
        { "Cloud:EvmContractBlock", "-1", "not a block number" },
        { "Cloud:EvmConfirmations", "-1", "not 0 to 1000 blocks" },
        { "Cloud:EvmKeystore", "/nonexistent/insurer.json", "does not exist" },
        { "Cloud:CheckpointInterval", "00:00:00", "not a positive interval" },
        { "Cloud:CheckpointInterval", "-00:00:05", "not a positive interval" },
        { "Cloud:Ledger", "ethereum", "not a ledger engine" },
    };

    [Theory]
    [MemberData(nameof(BadSettings))]
    public async Task A_bad_chain_setting_stops_the_host_naming_it_and_makes_no_folder(string setting, string value, string reason)
    {
        using var home = new TempFolder();
        var folder = home.File("cloud");
        var key = "AGRI_TEST_KEY_" + Guid.NewGuid().ToString("N");
        Environment.SetEnvironmentVariable(key, new string('1', 64));
        try
        {
            // The interval is of the embedded ledger's checkpoints: with it, the ledger stays sqlite.
            var ledger = setting == "Cloud:CheckpointInterval" ? "sqlite" : "evm";
            var e = await Assert.ThrowsAsync<OptionsValidationException>(() => AgriCloud.StartAsync(
                Settings(folder, ("Cloud:Ledger", ledger), ("Cloud:EvmKeyVariable", key), (setting, value)), NullLoggerFactory.Instance));
            var failure = Assert.Single(e.Failures, f => f.StartsWith(setting + ":", StringComparison.Ordinal));
            Assert.Contains(reason, failure);
            Assert.False(Directory.Exists(folder));
        }
        finally
        {
            Environment.SetEnvironmentVariable(key, null);
        }
    }

    [Fact]
    public async Task An_unset_key_variable_or_passphrase_variable_is_named_with_the_variable()
    {
        using var home = new TempFolder();
        var unset = UnsetVariable();
        var e = await Assert.ThrowsAsync<OptionsValidationException>(() => AgriCloud.StartAsync(
            Settings(home.File("cloud"), ("Cloud:EvmKeyVariable", unset)), NullLoggerFactory.Instance));
        Assert.Contains(e.Failures, f => f.StartsWith("Cloud:EvmKeyVariable:", StringComparison.Ordinal) && f.Contains(unset, StringComparison.Ordinal));

        var keystore = home.File("insurer.json");
        await File.WriteAllTextAsync(keystore, "{}");
        e = await Assert.ThrowsAsync<OptionsValidationException>(() => AgriCloud.StartAsync(
            Settings(home.File("cloud"), ("Cloud:EvmKeystore", keystore), ("Cloud:EvmPassphraseVariable", unset)), NullLoggerFactory.Instance));
        Assert.Contains(e.Failures, f => f.StartsWith("Cloud:EvmPassphraseVariable:", StringComparison.Ordinal) && f.Contains(unset, StringComparison.Ordinal));
        Assert.False(Directory.Exists(home.File("cloud")));
    }

    [Fact]
    public async Task A_checkpoint_interval_that_is_not_a_time_span_is_named()
    {
        using var home = new TempFolder();
        var e = await Assert.ThrowsAnyAsync<Exception>(() => AgriCloud.StartAsync(
            Settings(home.File("cloud"), ("Cloud:Ledger", "sqlite"), ("Cloud:CheckpointInterval", "every hour")), NullLoggerFactory.Instance));
        Assert.Contains("Cloud:CheckpointInterval", e.Message);
        Assert.False(Directory.Exists(home.File("cloud")));
    }

    [Fact]
    public async Task Checkpoints_are_refused_with_the_chain_as_the_ledger()
    {
        using var home = new TempFolder();
        var key = "AGRI_TEST_KEY_" + Guid.NewGuid().ToString("N");
        Environment.SetEnvironmentVariable(key, new string('1', 64));
        try
        {
            var e = await Assert.ThrowsAsync<OptionsValidationException>(() => AgriCloud.StartAsync(
                Settings(home.File("cloud"), ("Cloud:EvmKeyVariable", key), ("Cloud:CheckpointInterval", "00:05:00")), NullLoggerFactory.Instance));
            Assert.Contains(e.Failures, f => f.StartsWith("Cloud:CheckpointInterval:", StringComparison.Ordinal) && f.Contains("Cloud:Ledger=evm", StringComparison.Ordinal));
        }
        finally
        {
            Environment.SetEnvironmentVariable(key, null);
        }
    }
}

/// <summary>Hosts on a real chain (anvil, one per test run of this assembly): each test deploys its own AgriLedger
/// contract and makes its own insurer accounts.</summary>
[Collection(AnvilCollection.Name)]
public sealed class ChainHostTests(AnvilNode node) : IDisposable
{
    private readonly TempFolder _home = new();
    private readonly List<string> _variables = [];

    public void Dispose()
    {
        foreach (var v in _variables)
            Environment.SetEnvironmentVariable(v, null);
        _home.Dispose();
    }

    /// <summary>The key in an environment variable of this test's own; returns the variable's name.</summary>
    private string KeyVariable(string key)
    {
        var name = "AGRI_TEST_KEY_" + Guid.NewGuid().ToString("N");
        Environment.SetEnvironmentVariable(name, key);
        _variables.Add(name);
        return name;
    }

    /// <summary>A contract, and an insurer's key that its owner admitted (or did not).</summary>
    private async Task<(string Contract, long Block, string InsurerKey)> ConsortiumAsync(bool admitted = true)
    {
        var (contract, block, ownerKey) = await node.DeployAsync();
        var insurer = await node.NewAccountAsync();
        if (admitted)
        {
            await using var owner = await EvmLedger.ConnectAsync(node.Options(), ownerKey, contract, block);
            await owner.AdmitInsurerAsync(Nethereum.Signer.EthECKey.GetPublicAddress(insurer));
        }
        return (contract, block, insurer);
    }

    private Dictionary<string, string?> Settings(string folder, string contract, long block, string keyVariable, params (string Key, string? Value)[] more)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Cloud:Folder"] = folder,
            ["Cloud:Manifest"] = Repo.Manifest,
            ["Cloud:BrokerPort"] = "0",
            ["Cloud:Ledger"] = "evm",
            ["Cloud:EvmRpcUrl"] = node.Endpoint.ToString(),
            ["Cloud:EvmContract"] = contract,
            ["Cloud:EvmContractBlock"] = block.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Cloud:EvmKeyVariable"] = keyVariable,
        };
        foreach (var (key, value) in more)
            settings[key] = value;
        return settings;
    }

    /// <summary>A reader of the contract with a throwaway account: what anyone on the chain sees.</summary>
    private Task<EvmLedger> ReaderAsync(string contract, long block) =>
        EvmLedger.ConnectAsync(node.Options(), Nethereum.Signer.EthECKey.GenerateKey().GetPrivateKey(), contract, block);

    /// <summary>One enrolment capture of a fresh animal, signed by <paramref name="key"/>, through the ingest.</summary>
    private static async Task<Ack> EnrolAsync(CloudEngines engines, DeviceKey key, int cow)
    {
        var r = new Random(cow);
        var capture = key.Sign(new Capture
        {
            CaptureId = NUlid.Ulid.NewUlid().ToString(), Tenant = "A", DeviceId = "hh-1", AgentId = "agent-1", Purpose = CapturePurpose.Enrol,
            Species = "cattle", FarmerId = "F1", Gps = new GpsFix(30.0, 103.0, 5), TakenAt = DateTimeOffset.UtcNow.AddMinutes(-5), Model = new ModelRef("test-model", "1"),
            Photos = [new CapturePhoto { Embedding = [.. Enumerable.Range(0, 32).Select(_ => (float)(r.NextDouble() - 0.5))], CropJpeg = [0xFF, 0xD8, 0xFF, 0xE0, 0, 16, (byte)cow, .. System.Security.Cryptography.RandomNumberGenerator.GetBytes(8), 0xFF, 0xD9] }],
        });
        var handled = await engines.Ingest.HandleAsync(Topics.Captures("A", "hh-1"), Codec.Encode(capture));
        return handled.Ack!;
    }

    private static async Task<DeviceKey> FarmAsync(CloudEngines engines)
    {
        await engines.Registry.AddFarmerAsync(Farmer.Create("A", "F1", "Wang", "Ya'an").Value);
        var key = DeviceKey.Create();
        await engines.Registry.RegisterDeviceAsync(new DeviceRecord("A", "hh-1", "agent-1", key.PublicKey));
        return key;
    }

    [Fact]
    public async Task A_host_on_the_chain_is_ready_and_anchors_an_enrolment_that_anyone_reads_back_and_the_registry_reconciles_with()
    {
        var (contract, block, insurer) = await ConsortiumAsync();
        var folder = _home.File("cloud");
        var app = CloudHost.Build(["--urls", "http://127.0.0.1:0"], Settings(folder, contract, block, KeyVariable(insurer)));
        await app.StartAsync();
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single()) };
            var engines = app.Services.GetRequiredService<CloudRuntime>().Engines!;
            var ledger = Assert.IsType<EvmLedger>(engines.Ledger);
            Assert.Equal(Nethereum.Signer.EthECKey.GetPublicAddress(insurer), ledger.Account, StringComparer.OrdinalIgnoreCase);
            // The chain ledger keeps no file in the folder.
            Assert.False(File.Exists(CloudEngines.LedgerPath(folder)));

            var ready = await http.GetAsync("/health/ready");
            var health = JsonDocument.Parse(await ready.Content.ReadAsStringAsync());
            Assert.True(ready.StatusCode == HttpStatusCode.OK, health.RootElement.ToString());
            Assert.Equal("0 entries", health.RootElement.GetProperty("engines").GetProperty("ledger").GetString());

            using var key = await FarmAsync(engines);
            var ack = await EnrolAsync(engines, key, 1);
            Assert.Equal("enrolled", ack.Outcome);

            await using var reader = await ReaderAsync(contract, block);
            var entry = await reader.FindAsync(LivestockAnchors.EnrolmentKey(ack.AnimalId!));
            Assert.NotNull(entry);
            Assert.Equal(LivestockAnchors.EnrolmentKind, entry.Kind);
            Assert.Equal(0, entry.Index);
            Assert.Equal(1, (await reader.HeadAsync()).Size);
            health = JsonDocument.Parse(await (await http.GetAsync("/health/ready")).Content.ReadAsStringAsync());
            Assert.Equal("1 entries", health.RootElement.GetProperty("engines").GetProperty("ledger").GetString());

            // The registry the host wrote, against what the chain holds (what tools/agri ledger reconcile does on a file).
            var expected = await RegistryAnchors.AllAsync(engines.Registry, (ICropRegistry)engines.Registry, "A");
            var reconciled = await LedgerReconciler.ReconcileAsync(expected, reader);
            Assert.True(reconciled.Agrees, string.Join("; ", reconciled.Divergences.Select(d => d.Detail)));
            Assert.Equal(1, reconciled.Agreeing);
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }

    /// <summary>A host (with <paramref name="more"/> settings) on a chain node of the test's own, the contract deployed and
    /// its owner admitted; <paramref name="test"/> gets the host's HTTP client, the owner's key and a way to stop the node
    /// midway. The node and the host are stopped at the end, also when the test fails.</summary>
    private async Task OnOwnNodeAsync(Func<WebApplication, HttpClient, string, Func<Task>, Task> test, params (string Key, string? Value)[] more)
    {
        var own = new AnvilNode();
        await own.InitializeAsync();
        var stopped = false;
        try
        {
            var (contract, block, ownerKey) = await own.DeployAsync();
            await using (var owner = await EvmLedger.ConnectAsync(own.Options(), ownerKey, contract, block))
                await owner.AdmitInsurerAsync(owner.Account);
            var settings = Settings(_home.File("cloud"), contract, block, KeyVariable(ownerKey), more);
            settings["Cloud:EvmRpcUrl"] = own.Endpoint.ToString();
            var app = CloudHost.Build(["--urls", "http://127.0.0.1:0"], settings);
            await app.StartAsync();
            try
            {
                using var http = new HttpClient { BaseAddress = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single()) };
                await test(app, http, ownerKey, async () =>
                {
                    await own.DisposeAsync();
                    stopped = true;
                });
            }
            finally
            {
                await app.StopAsync();
                await app.DisposeAsync();
            }
        }
        finally
        {
            if (!stopped)
                await own.DisposeAsync();
        }
    }

    [Fact]
    public Task Ready_says_the_ledger_is_down_when_the_chain_node_goes_away() =>
        OnOwnNodeAsync(async (_, http, ownerKey, stopNode) =>
        {
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/health/ready")).StatusCode);
            await stopNode();
            var down = await http.GetAsync("/health/ready");
            var body = await down.Content.ReadAsStringAsync();
            Assert.Equal(HttpStatusCode.ServiceUnavailable, down.StatusCode);
            Assert.StartsWith("down: ", JsonDocument.Parse(body).RootElement.GetProperty("engines").GetProperty("ledger").GetString(), StringComparison.Ordinal);
            Assert.DoesNotContain(ownerKey, body, StringComparison.OrdinalIgnoreCase);
        });

    [Fact]
    public async Task An_account_the_consortium_did_not_admit_is_refused_naming_the_contract_and_leaves_no_folder()
    {
        var (contract, block, stranger) = await ConsortiumAsync(admitted: false);
        var folder = _home.File("cloud");
        var e = await Assert.ThrowsAsync<CloudStartException>(() => AgriCloud.StartAsync(Settings(folder, contract, block, KeyVariable(stranger)), NullLoggerFactory.Instance));
        Assert.Equal("Cloud:EvmContract", e.Setting);
        Assert.Contains("not an insurer admitted", e.Reason);
        Assert.Contains(Nethereum.Signer.EthECKey.GetPublicAddress(stranger), e.Reason, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(stranger, e.Message, StringComparison.OrdinalIgnoreCase);
        Assert.False(Directory.Exists(folder));
    }

    [Fact]
    public async Task An_address_without_the_contract_is_named_as_the_contract_and_a_silent_node_as_the_url()
    {
        var insurer = await node.NewAccountAsync();
        var variable = KeyVariable(insurer);
        // An account's address: no code there.
        var nobody = Nethereum.Signer.EthECKey.GetPublicAddress(await node.NewAccountAsync());
        var e = await Assert.ThrowsAsync<CloudStartException>(() => AgriCloud.StartAsync(Settings(_home.File("a"), nobody, 0, variable), NullLoggerFactory.Instance));
        Assert.Equal("Cloud:EvmContract", e.Setting);
        Assert.False(Directory.Exists(_home.File("a")));

        var (contract, block, _) = await ConsortiumAsync();
        var settings = Settings(_home.File("b"), contract, block, variable);
        settings["Cloud:EvmRpcUrl"] = $"http://127.0.0.1:{ClosedPort()}";
        e = await Assert.ThrowsAsync<CloudStartException>(() => AgriCloud.StartAsync(settings, NullLoggerFactory.Instance));
        Assert.Equal("Cloud:EvmRpcUrl", e.Setting);
        Assert.False(Directory.Exists(_home.File("b")));
    }

    [Fact]
    public async Task A_keystore_that_is_not_one_or_does_not_open_with_the_passphrase_is_named()
    {
        var (contract, block, insurer) = await ConsortiumAsync();
        var passphrase = KeyVariable("the right passphrase");
        var notKeystore = _home.File("not-a-keystore.json");
        await File.WriteAllTextAsync(notKeystore, "{\"hello\": 1}");
        var e = await Assert.ThrowsAsync<CloudStartException>(() => AgriCloud.StartAsync(
            Settings(_home.File("a"), contract, block, KeyVariable(insurer), ("Cloud:EvmKeystore", notKeystore), ("Cloud:EvmPassphraseVariable", passphrase)), NullLoggerFactory.Instance));
        Assert.Equal("Cloud:EvmKeystore", e.Setting);
        Assert.Contains("not a Web3 Secret Storage keystore", e.Reason);

        var keystore = _home.File("insurer.json");
        EvmKeys.CreateKeystore(keystore, "another passphrase", scryptCost: 1 << 10);
        e = await Assert.ThrowsAsync<CloudStartException>(() => AgriCloud.StartAsync(
            Settings(_home.File("b"), contract, block, KeyVariable(insurer), ("Cloud:EvmKeystore", keystore), ("Cloud:EvmPassphraseVariable", passphrase)), NullLoggerFactory.Instance));
        Assert.Equal("Cloud:EvmKeystore", e.Setting);
        Assert.Contains("does not decrypt", e.Reason);
        Assert.False(Directory.Exists(_home.File("a")));
        Assert.False(Directory.Exists(_home.File("b")));
    }

    [Fact]
    public async Task The_embedded_ledgers_checkpoints_appear_on_the_contract_on_schedule_and_once_at_stop()
    {
        var (contract, block, insurer) = await ConsortiumAsync();
        var folder = _home.File("cloud");
        var variable = KeyVariable(insurer);
        var address = Nethereum.Signer.EthECKey.GetPublicAddress(insurer);
        using var reader = await EvmChain.ConnectAsync(node.Options(), Nethereum.Signer.EthECKey.GenerateKey().GetPrivateKey());
        async Task<ulong> PublishedSize() =>
            (await reader.CallAsync<LastCheckpointFunction, CheckpointOutput>(contract, new LastCheckpointFunction { Insurer = address })).TreeSize;
        static LedgerRecord Record(int i) => new("claim", new string((char)('a' + i), 64), new string('f', 64));

        await using (var cloud = await AgriCloud.StartAsync(Settings(folder, contract, block, variable, ("Cloud:Ledger", "sqlite"), ("Cloud:CheckpointInterval", "00:00:00.2")), NullLoggerFactory.Instance))
        {
            Assert.IsType<SqliteLedger>(cloud.Engines.Ledger);
            Assert.NotNull(cloud.Engines.Checkpoints);
            for (var i = 0; i < 2; i++)
                await cloud.Engines.Ledger.AppendAsync(Record(i));
            // On schedule: within a few ticks, while the host runs.
            var waited = System.Diagnostics.Stopwatch.StartNew();
            while (await PublishedSize() != 2 && waited.Elapsed < TimeSpan.FromSeconds(10))
                await Task.Delay(50);
            Assert.Equal(2UL, await PublishedSize());
            // The next tick (every 0.2 s) finds the chain holding it already: published, or unchanged since.
            Assert.True(cloud.Engines.Checkpoints!.Last is CheckpointPublication.Published or CheckpointPublication.Unchanged { TreeSize: 2 },
                $"{cloud.Engines.Checkpoints.Last}");
        }
        // A schedule too slow to tick in this test: what was appended since the last tick is published at stop.
        await using (var cloud = await AgriCloud.StartAsync(Settings(folder, contract, block, variable, ("Cloud:Ledger", "sqlite"), ("Cloud:CheckpointInterval", "01:00:00")), NullLoggerFactory.Instance))
        {
            await cloud.Engines.Ledger.AppendAsync(Record(2));
            Assert.Equal(2UL, await PublishedSize());
        }
        Assert.Equal(3UL, await PublishedSize());

        // Every checkpoint the host published holds against the file it left.
        await using var file = await SqliteLedger.OpenReadOnlyAsync(CloudEngines.LedgerPath(folder));
        var audit = await CheckpointAudit.RunAsync(file, await file.VerifyAsync(), reader, contract, address, block);
        Assert.True(audit.Holds, audit.Problem ?? string.Join("; ", audit.Checkpoints.Select(c => c.Problem)));
        Assert.Equal([2L, 3L], audit.Checkpoints.Select(c => c.Checkpoint.TreeSize));
    }

    [Fact]
    public Task Ready_stays_ready_but_degraded_naming_the_checkpoints_when_their_chain_node_goes_away() =>
        OnOwnNodeAsync(async (app, http, ownerKey, stopNode) =>
        {
            async Task<(HttpStatusCode Code, JsonElement Body)> Ready()
            {
                var answer = await http.GetAsync("/health/ready");
                return (answer.StatusCode, JsonDocument.Parse(await answer.Content.ReadAsStringAsync()).RootElement);
            }
            var (code, body) = await Ready();
            Assert.True(code == HttpStatusCode.OK && body.GetProperty("status").GetString() == "Healthy", body.ToString());
            await stopNode();
            // Only a ledger that grew is published: an entry after the node went.
            await app.Services.GetRequiredService<CloudRuntime>().Engines!.Ledger.AppendAsync(new LedgerRecord("claim", new string('e', 64), new string('f', 64)));
            var waited = System.Diagnostics.Stopwatch.StartNew();
            do
                (code, body) = await Ready();
            while (body.GetProperty("status").GetString() != "Degraded" && waited.Elapsed < TimeSpan.FromSeconds(20));
            Assert.Equal(HttpStatusCode.OK, code);
            Assert.Equal("Degraded", body.GetProperty("status").GetString());
            Assert.StartsWith("failing: ", body.GetProperty("engines").GetProperty("checkpoints").GetString(), StringComparison.Ordinal);
            Assert.DoesNotContain(ownerKey.StartsWith("0x", StringComparison.Ordinal) ? ownerKey[2..] : ownerKey, body.ToString(), StringComparison.OrdinalIgnoreCase);
        }, ("Cloud:Ledger", "sqlite"), ("Cloud:CheckpointInterval", "00:00:00.2"));

    private static int ClosedPort()
    {
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
