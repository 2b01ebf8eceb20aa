using AgriInsure.Ledger.Evm;
using AgriInsure.Tests;
using Microsoft.Extensions.Logging;
using Nethereum.Signer;

namespace AgriInsure.Ledger.Tests;

/// <summary>The chain key stays secret: read from an encrypted keystore (passphrase from the environment) or from the
/// environment, and never in an exception message or a log line, also when a send fails.</summary>
[Collection(AnvilCollection.Name)]
public sealed class EvmKeyTests(AnvilNode node)
{
    private sealed class Lines : ILoggerFactory, ILogger
    {
        public List<string> All { get; } = [];
        public ILogger CreateLogger(string categoryName) => this;
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => true;
        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (All)
                All.Add($"{formatter(state, exception)} {exception}");
        }
        public void AddProvider(ILoggerProvider provider) { }
        public void Dispose() { }
    }

    private static void AssertSecret(string key, string text)
    {
        Assert.DoesNotContain(key, text, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(key[..16], text, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task A_failing_send_says_why_without_the_key_in_its_exception_or_logs()
    {
        // An account with no ether: the node refuses its transaction.
        var key = EthECKey.GenerateKey().GetPrivateKey().Substring(2);
        using var lines = new Lines();
        var (contract, block, _) = await node.DeployAsync();
        await using var ledger = await EvmLedger.ConnectAsync(node.Options(), key, contract, block, lines);
        var failed = await Record.ExceptionAsync(() => ledger.Chain.SendAsync(contract, new AnchorFunction { Key = new byte[32], Kind = new byte[32], PayloadHash = new byte[32] }));
        Assert.NotNull(failed);
        AssertSecret(key, failed.ToString());
        lock (lines.All)
            Assert.All(lines.All, l => AssertSecret(key, l));
        var bad = Assert.Throws<ArgumentException>(() => { EvmChain.ConnectAsync(node.Options(), key[..63] + "z").GetAwaiter().GetResult(); });
        AssertSecret(key, bad.ToString());
    }

    [Fact]
    public void A_keystore_opens_with_the_passphrase_from_the_environment_and_its_errors_name_no_secret()
    {
        using var folder = new TempFolder();
        var path = folder.File("insurer.json");
        var address = EvmKeys.CreateKeystore(path, "correct horse", scryptCost: 1 << 12);
        if (!OperatingSystem.IsWindows())
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        var variable = $"AGRI_TEST_PASSPHRASE_{Guid.NewGuid():N}";
        Assert.Contains(variable, Assert.Throws<EvmKeyException>(() => EvmKeys.FromKeystore(path, variable)).Message);
        Environment.SetEnvironmentVariable(variable, "wrong horse");
        var wrong = Assert.Throws<EvmKeyException>(() => EvmKeys.FromKeystore(path, variable));
        Assert.Contains("does not decrypt", wrong.Message);
        Assert.DoesNotContain("wrong horse", wrong.ToString());
        Environment.SetEnvironmentVariable(variable, "correct horse");
        var key = EvmKeys.FromKeystore(path, variable);
        Assert.Equal(address, new EthECKey(key).GetPublicAddress());
        // JSON that is no keystore is named so, not taken for a wrong passphrase.
        foreach (var (name, text) in new[] { ("object.json", "{\"hello\": 1}"), ("array.json", "[1, 2]"), ("text.json", "not json") })
        {
            File.WriteAllText(folder.File(name), text);
            Assert.Contains("is not a Web3 Secret Storage keystore", Assert.Throws<EvmKeyException>(() => EvmKeys.FromKeystore(folder.File(name), variable)).Message);
        }
        Environment.SetEnvironmentVariable(variable, null);

        Environment.SetEnvironmentVariable(variable, "0x" + key[..60] + "zzzz");
        var notKey = Assert.Throws<EvmKeyException>(() => EvmKeys.FromEnvironment(variable));
        AssertSecret(key, notKey.ToString());
        Environment.SetEnvironmentVariable(variable, "0x" + key.ToUpperInvariant());
        Assert.Equal(key, EvmKeys.FromEnvironment(variable));
        Environment.SetEnvironmentVariable(variable, null);
        Assert.Throws<EvmKeyException>(() => EvmKeys.CreateKeystore(path, "again", scryptCost: 1 << 12));
    }
}
