using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using AgriInsure.Ledger.Evm;
using Microsoft.Extensions.Logging;

namespace AgriInsure.Cli;

/// <summary>A development chain for one command: anvil (npm @foundry-rs/anvil, installed in tools/servers by
/// <c>tools/setup --tests</c>) on 127.0.0.1 and a free port, with the AgriLedger contract deployed by the development
/// insurer (<see cref="DevelopmentKey"/>), who is the consortium's owner and admitted as its insurer. Stopped on dispose
/// (the end of the command, a failure, Ctrl-C); anvil runs under a shell that waits on this process's pipe, so it stops
/// also when this process is killed: nothing is left running.</summary>
internal sealed class LocalChain : IAsyncDisposable
{
    private readonly Process _shell;

    private LocalChain(Process shell, Uri endpoint)
    {
        _shell = shell;
        Endpoint = endpoint;
    }

    public Uri Endpoint { get; }

    public string Contract { get; private set; } = "";

    public long Block { get; private set; }

    /// <summary>anvil's binary under AGRI_HOME (the repository).</summary>
    public static string AnvilPath => Path.Combine(Path.GetDirectoryName(Commands.AgriFolder)!, "tools", "servers", "node_modules", "@foundry-rs", "anvil-linux-amd64", "bin", "anvil");

    /// <summary>Starts anvil and deploys the contract from <paramref name="key"/>'s account. Errors:
    /// <see cref="OutputException"/> (environment, exit 3) when anvil is not installed (with the command that installs it).</summary>
    public static async Task<LocalChain> StartAsync(DevelopmentKey key, ILoggerFactory logs, CancellationToken ct)
    {
        var anvil = AnvilPath;
        if (!File.Exists(anvil))
            throw new OutputException($"--ledger evm runs a local chain with anvil, which is not installed ({anvil} is missing): run tools/setup --tests (it installs tools/servers with npm ci), then the demo again");
        for (var attempt = 1; ; attempt++)
        {
            var port = FreePort();
            var start = new ProcessStartInfo("bash", ["-c", "\"$@\" >/dev/null 2>&1 & node=$!; read -r _; kill $node 2>/dev/null; wait $node", "agri-anvil", anvil,
                "--host", "127.0.0.1", "--port", port.ToString(CultureInfo.InvariantCulture), "--silent"])
            {
                RedirectStandardInput = true,
                UseShellExecute = false,
            };
            var chain = new LocalChain(Process.Start(start)!, new Uri($"http://127.0.0.1:{port}"));
            try
            {
                if (await chain.ReadyAsync(TimeSpan.FromSeconds(20), ct))
                {
                    await chain.DeployAsync(key, logs, ct);
                    return chain;
                }
            }
            catch
            {
                await chain.DisposeAsync();
                throw;
            }
            await chain.DisposeAsync();
            // Another process may have taken the port between FreePort and anvil's bind.
            if (attempt == 3)
                throw new OutputException($"anvil did not answer on 127.0.0.1 within 20 s (three ports tried)");
        }
    }

    private async Task DeployAsync(DevelopmentKey key, ILoggerFactory logs, CancellationToken ct)
    {
        // The development account is funded by anvil's own development call, then owns the contract and writes to it.
        await RpcAsync("anvil_setBalance", $"[\"{key.Address}\",\"0x3635C9ADC5DEA00000\"]", ct);
        var options = new EvmChainOptions { Endpoint = Endpoint };
        (Contract, Block) = await EvmLedger.DeployAsync(options, key.PrivateKey, logs.CreateLogger<EvmLedger>(), ct);
        await using var owner = await EvmLedger.ConnectAsync(options, key.PrivateKey, Contract, Block, logs, ct);
        await owner.AdmitInsurerAsync(owner.Account, ct);
    }

    private async Task<bool> ReadyAsync(TimeSpan limit, CancellationToken ct)
    {
        var until = Stopwatch.StartNew();
        while (until.Elapsed < limit && !_shell.HasExited)
        {
            try
            {
                await RpcAsync("eth_chainId", "[]", ct);
                return true;
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException) when (!ct.IsCancellationRequested)
            {
            }
            await Task.Delay(50, ct);
        }
        return false;
    }

    private async Task RpcAsync(string method, string parameters, CancellationToken ct)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        using var body = new StringContent($"{{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"{method}\",\"params\":{parameters}}}", Encoding.UTF8, "application/json");
        using var answer = await http.PostAsync(Endpoint, body, ct);
        answer.EnsureSuccessStatusCode();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public ValueTask DisposeAsync()
    {
        try
        {
            _shell.StandardInput.Close();
            if (!_shell.WaitForExit(TimeSpan.FromSeconds(10)))
                _shell.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Exited already.
        }
        _shell.Dispose();
        return ValueTask.CompletedTask;
    }
}

/// <summary>The demo insurer's development chain key, made at the first <c>demo --ledger evm</c>: an encrypted keystore
/// (Web3 Secret Storage) <c>evm-dev-keystore.json</c> in the .agri folder, its random passphrase in
/// <c>evm-dev-keystore.passphrase</c> beside it, both readable by their owner alone (0600). A development key for a chain
/// that lives as long as the demo: a real insurer's key is a keystore whose passphrase only the environment holds
/// (<c>Cloud:EvmKeystore</c>, <c>Cloud:EvmPassphraseVariable</c>).</summary>
internal sealed record DevelopmentKey(string Keystore, string Passphrase, string PrivateKey, string Address)
{
    public static DevelopmentKey LoadOrCreate(string folder)
    {
        var keystore = Path.Combine(folder, "evm-dev-keystore.json");
        var passphraseFile = keystore[..^".json".Length] + ".passphrase";
        try
        {
            Directory.CreateDirectory(folder);
            if (!File.Exists(keystore))
            {
                var passphrase = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
                File.Delete(passphraseFile);
                EvmKeys.WritePrivate(passphraseFile, passphrase);
                EvmKeys.CreateKeystore(keystore, passphrase, scryptCost: 1 << 14);
            }
            var pass = File.ReadAllText(passphraseFile).Trim();
            var key = EvmKeys.Decrypt(keystore, pass);
            return new DevelopmentKey(keystore, pass, key, new Nethereum.Signer.EthECKey(key).GetPublicAddress());
        }
        catch (Exception e) when (e is EvmKeyException or IOException or UnauthorizedAccessException)
        {
            throw new OutputException($"the development chain key in {folder}: {e.Message} (remove {keystore} and {passphraseFile} to make a new one)");
        }
    }
}
