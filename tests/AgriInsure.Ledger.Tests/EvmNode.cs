using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using AgriInsure.Ledger.Evm;
using AgriInsure.Tests;
using Nethereum.Hex.HexTypes;
using Nethereum.RPC.Eth.DTOs;
using Nethereum.Signer;

namespace AgriInsure.Ledger.Tests;

/// <summary>A development EVM chain for the tests, from tools/servers (npm, installed by tools/setup --tests): started by
/// the collection's first test on 127.0.0.1 and a free port, stopped when its last test ends. The node runs under a
/// shell that waits on this process's pipe, so it is stopped also when the test process dies without disposing it.
/// Accounts are made fresh for each use and funded from the node's own unlocked account.</summary>
public abstract class EvmNode : IAsyncLifetime
{
    private readonly TempFolder _folder = new();
    private Process? _shell;
    private Nethereum.Web3.Web3? _web3;
    private string _funder = "";

    public Uri Endpoint { get; private set; } = new("http://127.0.0.1");

    /// <summary>How long the start took, until the node answered.</summary>
    public TimeSpan StartTime { get; private set; }

    public abstract string Name { get; }

    /// <summary>The program and its arguments for a node on <paramref name="port"/>.</summary>
    protected abstract (string Program, IReadOnlyList<string> Args) Command(string servers, int port);

    public EvmChainOptions Options(int confirmations = 0, HttpClient? http = null) =>
        new() { Endpoint = Endpoint, Confirmations = confirmations, Http = http };

    public async Task InitializeAsync()
    {
        var clock = Stopwatch.StartNew();
        var servers = Path.Combine(Repo.Root, "tools", "servers", "node_modules");
        if (!Directory.Exists(servers))
            throw new InvalidOperationException($"{servers} is missing: run tools/setup --tests (it installs tools/servers with npm ci)");
        for (var attempt = 1; ; attempt++)
        {
            var port = FreePort();
            var (program, args) = Command(servers, port);
            Start(program, args);
            Endpoint = new Uri($"http://127.0.0.1:{port}");
            if (await ReadyAsync(TimeSpan.FromSeconds(30)))
                break;
            var log = File.Exists(_folder.File("node.log")) ? await File.ReadAllTextAsync(_folder.File("node.log")) : "";
            Stop();
            // Another process may have taken the port between FreePort and the bind.
            if (attempt == 3)
                throw new InvalidOperationException($"{Name} did not answer on {Endpoint} within 30 s: {log}");
        }
        StartTime = clock.Elapsed;
        _web3 = new Nethereum.Web3.Web3(Endpoint.ToString());
        _funder = (await _web3.Eth.Accounts.SendRequestAsync())[0];
    }

    private void Start(string program, IReadOnlyList<string> args)
    {
        // The shell starts the node, then waits for its standard input to close: on Stop, or when this process ends.
        var start = new ProcessStartInfo("bash", ["-c", "\"$@\" >\"$NODE_LOG\" 2>&1 & node=$!; read -r _; kill $node 2>/dev/null; wait $node", "evm-node", program, .. args])
        {
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        start.Environment["NODE_LOG"] = _folder.File("node.log");
        _shell = Process.Start(start)!;
    }

    private async Task<bool> ReadyAsync(TimeSpan limit)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var until = Stopwatch.StartNew();
        while (until.Elapsed < limit && _shell is { HasExited: false })
        {
            try
            {
                using var body = new StringContent("""{"jsonrpc":"2.0","id":1,"method":"eth_chainId","params":[]}""", Encoding.UTF8, "application/json");
                using var answer = await http.PostAsync(Endpoint, body);
                if (answer.IsSuccessStatusCode)
                    return true;
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
            }
            await Task.Delay(50);
        }
        return false;
    }

    /// <summary>A new account's private key (hex), funded with 1 ether (a few thousand anchors) from the node's first account.</summary>
    public async Task<string> NewAccountAsync()
    {
        var key = EthECKey.GenerateKey();
        var hash = await _web3!.Eth.Transactions.SendTransaction.SendRequestAsync(new TransactionInput
        {
            From = _funder,
            To = key.GetPublicAddress(),
            Value = new HexBigInteger(Nethereum.Web3.Web3.Convert.ToWei(1)),
            Gas = new HexBigInteger(21_000),
        });
        while (await _web3.Eth.Transactions.GetTransactionReceipt.SendRequestAsync(hash) is null)
            await Task.Delay(10);
        return key.GetPrivateKey();
    }

    /// <summary>Mines one empty block (evm_mine, which Ganache and anvil both answer).</summary>
    public Task MineAsync() => _web3!.Client.SendRequestAsync<string>("evm_mine");

    /// <summary>A contract deployed for one test, its owner's key, and the block its events start from.</summary>
    public async Task<(string Contract, long Block, string OwnerKey)> DeployAsync()
    {
        var owner = await NewAccountAsync();
        var (contract, block) = await EvmLedger.DeployAsync(Options(), owner);
        return (contract, block, owner);
    }

    public Task DisposeAsync()
    {
        Stop();
        _folder.Dispose();
        return Task.CompletedTask;
    }

    private void Stop()
    {
        if (_shell is null)
            return;
        _shell.StandardInput.Close();
        if (!_shell.WaitForExit(TimeSpan.FromSeconds(10)))
            _shell.Kill(entireProcessTree: true);
        _shell.Dispose();
        _shell = null;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary>anvil (Foundry) from npm @foundry-rs/anvil: its native binary, chain id 31337, a block per transaction.</summary>
public sealed class AnvilNode : EvmNode
{
    public override string Name => "anvil";

    protected override (string Program, IReadOnlyList<string> Args) Command(string servers, int port) =>
        (Path.Combine(servers, "@foundry-rs", "anvil-linux-amd64", "bin", "anvil"), ["--host", "127.0.0.1", "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--silent"]);
}

/// <summary>Ganache 7.9.2 from npm, on Node.js: chain id 1337, a block per transaction, the EVM up to shanghai (the
/// contract is compiled for paris).</summary>
public sealed class GanacheNode : EvmNode
{
    public override string Name => "Ganache";

    protected override (string Program, IReadOnlyList<string> Args) Command(string servers, int port) =>
        ("node", [Path.Combine(servers, "ganache", "dist", "node", "cli.js"), "--server.host", "127.0.0.1", "--server.port", port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--chain.chainId", "1337", "--wallet.defaultBalance", "1000000", "--logging.quiet"]);
}

[CollectionDefinition(Name)]
public sealed class AnvilCollection : ICollectionFixture<AnvilNode>
{
    public const string Name = "anvil";
}

[CollectionDefinition(Name)]
public sealed class GanacheCollection : ICollectionFixture<GanacheNode>
{
    public const string Name = "ganache";
}
