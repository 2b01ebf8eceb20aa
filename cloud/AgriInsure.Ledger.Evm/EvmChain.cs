using System.Numerics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Nethereum.ABI.FunctionEncoding;
using Nethereum.ABI.FunctionEncoding.Attributes;
using Nethereum.Contracts;
using Nethereum.Hex.HexConvertors.Extensions;
using Nethereum.Hex.HexTypes;
using Nethereum.JsonRpc.Client;
using Nethereum.RPC.Eth.DTOs;
using Nethereum.Signer;
using Nethereum.Util;
using Polly;
using Polly.Retry;

namespace AgriInsure.Ledger.Evm;

/// <summary>Where the chain is and how to write to it.</summary>
public sealed record EvmChainOptions
{
    /// <summary>The node's JSON-RPC endpoint (http or https).</summary>
    public required Uri Endpoint { get; init; }

    /// <summary>Blocks that must follow the one holding a transaction before it counts as written: 0 on a development
    /// chain that mines one block per transaction (Ganache, anvil), more where a block can still be replaced.</summary>
    public int Confirmations { get; init; }

    /// <summary>The gas limit sent with every transaction. Explicit, not estimated: an estimate of a call that would
    /// revert fails before anything is sent, and the revert must be mined (status 0) to be told apart from a lost
    /// message. An anchor costs 106,292 gas (the contract's first, 140,492), measured on anvil.</summary>
    public long GasLimit { get; init; } = 300_000;

    /// <summary>How often a receipt (and then the confirmations) is asked for.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromMilliseconds(20);

    /// <summary>How long a sent transaction may take to be mined and confirmed before <see cref="TimeoutException"/>.</summary>
    public TimeSpan ReceiptTimeout { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>Retries of a JSON-RPC call that failed in transport (connection refused or reset, timeout, HTTP 5xx):
    /// exponential back-off with jitter from <see cref="RetryDelay"/>. A node's error answer is not retried.</summary>
    public int RetryAttempts { get; init; } = 5;

    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>The HTTP client the JSON-RPC calls go through (a proxy, TLS settings, a handler); one of its own when null.</summary>
    public HttpClient? Http { get; init; }
}

/// <summary>A mined transaction: its hash, block, gas used, and whether it succeeded; when it reverted (status 0), the
/// contract's reason, read by replaying the call on the state after its block.</summary>
public sealed record EvmTransaction(string Hash, long Block, long GasUsed, bool Succeeded, string? RevertReason, TransactionReceipt Receipt);

/// <summary>One account's connection to an EVM chain: signs transactions locally (the key never leaves this process),
/// numbers them itself so that concurrent submissions each get the next nonce without waiting for the one before to
/// be mined, retries JSON-RPC calls that fail in transport (Polly), and waits for receipts and confirmations.
/// Transactions are legacy ones with an EIP-155 chain id, which Ganache, anvil, Besu and Quorum all accept.</summary>
public sealed class EvmChain : IDisposable
{
    private readonly Nethereum.Web3.Web3 _web3;
    private readonly EthECKey _key;
    private readonly EvmChainOptions _options;
    private readonly ResiliencePipeline _retry;
    private readonly ILogger _log;
    private readonly HttpClient? _ownHttp;
    private readonly SemaphoreSlim _sendGate = new(1, 1);
    private BigInteger? _nextNonce;

    private EvmChain(Nethereum.Web3.Web3 web3, EthECKey key, EvmChainOptions options, ILogger log, HttpClient? ownHttp)
    {
        _web3 = web3;
        _key = key;
        _options = options;
        _log = log;
        _ownHttp = ownHttp;
        Address = key.GetPublicAddress();
        _retry = new ResiliencePipelineBuilder().AddRetry(new RetryStrategyOptions
        {
            ShouldHandle = new Polly.PredicateBuilder().Handle<RpcClientUnknownException>().Handle<RpcClientTimeoutException>().Handle<HttpRequestException>(),
            MaxRetryAttempts = Math.Max(1, options.RetryAttempts),
            Delay = options.RetryDelay,
            BackoffType = DelayBackoffType.Exponential,
            UseJitter = true,
            OnRetry = args =>
            {
                _log.LogWarning("EVM: JSON-RPC call to {Endpoint} failed ({Error}); retry {Attempt} in {Delay} ms",
                    options.Endpoint, args.Outcome.Exception?.GetBaseException().Message, args.AttemptNumber + 1, (int)args.RetryDelay.TotalMilliseconds);
                return ValueTask.CompletedTask;
            },
        }).Build();
    }

    /// <summary>The account's address (EIP-55 checksummed).</summary>
    public string Address { get; }

    /// <summary>The chain's id (EIP-155), as the node reported it.</summary>
    public long ChainId { get; private set; }

    /// <summary>Connects <paramref name="privateKey"/>'s account (32 bytes, hex) to the node. Errors:
    /// <see cref="ArgumentException"/> for a key that is not 32 bytes of hex (its value is never in the message);
    /// <see cref="HttpRequestException"/> or <see cref="RpcClientUnknownException"/> when the node cannot be reached
    /// after the retries.</summary>
    public static async Task<EvmChain> ConnectAsync(EvmChainOptions options, string privateKey, ILogger? log = null, CancellationToken ct = default)
    {
        var hex = privateKey.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? privateKey[2..] : privateKey;
        if (hex.Length != 64 || !hex.All(char.IsAsciiHexDigit))
            throw new ArgumentException("the private key must be 32 bytes of hex", nameof(privateKey));
        var ownHttp = options.Http is null ? new HttpClient { Timeout = TimeSpan.FromSeconds(30) } : null;
        var client = new RpcClient(options.Endpoint, options.Http ?? ownHttp, null, null, null);
        var web3 = new Nethereum.Web3.Web3(client);
        var chain = new EvmChain(web3, new EthECKey(hex), options, log ?? NullLogger.Instance, ownHttp);
        try
        {
            chain.ChainId = (long)(await chain.RpcAsync(() => web3.Eth.ChainId.SendRequestAsync(), ct)).Value;
            return chain;
        }
        catch
        {
            chain.Dispose();
            throw;
        }
    }

    /// <summary>Deploys the AgriLedger contract with this account as the consortium's owner. Returns its address and the
    /// block it was created in (where its events start).</summary>
    public async Task<(string Address, long Block)> DeployAgriLedgerAsync(CancellationToken ct = default)
    {
        var data = new AgriLedgerDeployment { Owner = Address }.GetDeploymentData();
        var mined = await SendRawAsync(null, data, gasLimit: 5_000_000, ct);
        if (!mined.Succeeded || mined.Receipt.ContractAddress is null)
            throw new InvalidOperationException($"deploying AgriLedger failed in transaction {mined.Hash}: {mined.RevertReason ?? "no contract created"}");
        _log.LogInformation("EVM: deployed AgriLedger ({Compiler}) at {Contract} in block {Block} (chain {Chain})", AgriLedgerContract.Compiler, mined.Receipt.ContractAddress, mined.Block, ChainId);
        return (mined.Receipt.ContractAddress, mined.Block);
    }

    /// <summary>Sends <paramref name="message"/> to <paramref name="contract"/> and waits until it is mined with the
    /// configured confirmations. A revert is not thrown: it comes back with <see cref="EvmTransaction.Succeeded"/> false
    /// and the reason. Errors: <see cref="TimeoutException"/> when it is not mined in time; <see cref="RpcResponseException"/>
    /// when the node refuses the transaction itself (not its execution).</summary>
    public Task<EvmTransaction> SendAsync<TFunction>(string contract, TFunction message, CancellationToken ct = default)
        where TFunction : FunctionMessage, new() =>
        SendRawAsync(contract, message.GetCallData(), _options.GasLimit, ct);

    /// <summary>Calls a view function at <paramref name="block"/> (the latest block when null). Errors:
    /// <see cref="SmartContractRevertException"/> when the call reverts.</summary>
    public Task<TOutput> CallAsync<TFunction, TOutput>(string contract, TFunction message, long? block = null, CancellationToken ct = default)
        where TFunction : FunctionMessage, new()
        where TOutput : IFunctionOutputDTO, new() =>
        RpcAsync(() => _web3.Eth.GetContractQueryHandler<TFunction>()
            .QueryDeserializingToObjectAsync<TOutput>(message, contract, Block(block)), ct);

    /// <summary>Calls a view function that returns one value.</summary>
    public Task<TResult> CallValueAsync<TFunction, TResult>(string contract, TFunction message, long? block = null, CancellationToken ct = default)
        where TFunction : FunctionMessage, new() =>
        RpcAsync(() => _web3.Eth.GetContractQueryHandler<TFunction>().QueryAsync<TResult>(contract, message, Block(block)), ct);

    /// <summary>Checks that contract code is deployed at <paramref name="contract"/> (eth_getCode): a call or a transaction to
    /// an address without code succeeds and does nothing, so an admit "into" an empty address would read as done. Errors:
    /// <see cref="EvmContractMissingException"/>.</summary>
    public async Task RequireContractAsync(string contract, CancellationToken ct = default)
    {
        var code = await RpcAsync(() => _web3.Eth.GetCode.SendRequestAsync(contract), ct);
        if (string.IsNullOrEmpty(code) || code is "0x" or "0x0")
            throw new EvmContractMissingException(contract);
    }

    public async Task<long> BlockNumberAsync(CancellationToken ct = default) =>
        (long)(await RpcAsync(() => _web3.Eth.Blocks.GetBlockNumber.SendRequestAsync(), ct)).Value;

    /// <summary>The <typeparamref name="TEvent"/> events <paramref name="contract"/> emitted in blocks
    /// <paramref name="from"/> to <paramref name="to"/>, in chain order, with <paramref name="topic1"/> as the first
    /// indexed argument when given (bytes32 as byte[], an address as its hex string).</summary>
    public async Task<List<EventLog<TEvent>>> EventsAsync<TEvent>(string contract, long from, long to, object? topic1 = null, CancellationToken ct = default)
        where TEvent : IEventDTO, new()
    {
        var events = _web3.Eth.GetEvent<TEvent>(contract);
        var filter = topic1 is null
            ? events.CreateFilterInput(new BlockParameter((ulong)from), new BlockParameter((ulong)to))
            : events.CreateFilterInput(new object[] { topic1 }, new BlockParameter((ulong)from), new BlockParameter((ulong)to));
        var found = await RpcAsync(() => events.GetAllChangesAsync(filter), ct);
        return found.OrderBy(e => e.Log.BlockNumber.Value).ThenBy(e => e.Log.LogIndex.Value).ToList();
    }

    /// <summary>Signs <paramref name="message"/> as Ethereum's personal_sign does (EIP-191 version 0x45: keccak256 of
    /// "\x19Ethereum Signed Message:\n", the length in decimal and the UTF-8 bytes), with this account's key: 65 bytes
    /// r ‖ s ‖ v, which anyone recovers to <see cref="Address"/> (ethers' verifyMessage, Nethereum's EcRecover).</summary>
    public byte[] SignMessage(string message) =>
        new EthereumMessageSigner().EncodeUTF8AndSign(message, _key).HexToByteArray();

    private static BlockParameter Block(long? block) => block is { } b ? new BlockParameter((ulong)b) : BlockParameter.CreateLatest();

    private Task<T> RpcAsync<T>(Func<Task<T>> call, CancellationToken ct) =>
        _retry.ExecuteAsync(async token =>
        {
            token.ThrowIfCancellationRequested();
            return await call();
        }, ct).AsTask();

    private async Task<EvmTransaction> SendRawAsync(string? to, byte[] data, long gasLimit, CancellationToken ct)
    {
        var gasPrice = (await RpcAsync(() => _web3.Eth.GasPrice.SendRequestAsync(), ct)).Value;
        string hash;
        await _sendGate.WaitAsync(ct);
        try
        {
            var nonce = _nextNonce ??= (await RpcAsync(() => _web3.Eth.Transactions.GetTransactionCount.SendRequestAsync(Address, BlockParameter.CreatePending()), ct)).Value;
            var signed = new LegacyTransactionSigner().SignTransaction(_key.GetPrivateKeyAsBytes(), new BigInteger(ChainId), to, BigInteger.Zero, nonce,
                gasPrice, new BigInteger(gasLimit), data.ToHex(prefix: true));
            hash = "0x" + TransactionUtils.CalculateTransactionHash(signed).RemoveHexPrefix();
            try
            {
                await RpcAsync(() => _web3.Eth.Transactions.SendRawTransaction.SendRequestAsync("0x" + signed.RemoveHexPrefix()), ct);
            }
            catch (Exception e) when (e is RpcResponseException or RpcClientUnknownException or RpcClientTimeoutException or HttpRequestException)
            {
                // A send whose answer was lost and then retried is refused as known (or its nonce as used): it went.
                if (await KnownAsync(hash, ct))
                {
                    _log.LogInformation("EVM: transaction {Hash} reached the node although its send failed ({Error})", hash, e.Message);
                }
                else
                {
                    // The next send asks the node again, filling the gap this nonce would otherwise leave.
                    _nextNonce = null;
                    throw;
                }
            }
            _nextNonce = nonce + 1;
        }
        finally
        {
            _sendGate.Release();
        }
        return await MinedAsync(hash, to, data, ct);
    }

    private async Task<bool> KnownAsync(string hash, CancellationToken ct)
    {
        try
        {
            return await RpcAsync(() => _web3.Eth.Transactions.GetTransactionByHash.SendRequestAsync(hash), ct) is not null;
        }
        catch (RpcResponseException)
        {
            return false;
        }
    }

    private async Task<EvmTransaction> MinedAsync(string hash, string? to, byte[] data, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(_options.ReceiptTimeout);
        try
        {
            TransactionReceipt? receipt;
            while ((receipt = await RpcAsync(() => _web3.Eth.Transactions.GetTransactionReceipt.SendRequestAsync(hash), timeout.Token)) is null)
                await Task.Delay(_options.PollInterval, timeout.Token);
            var block = (long)receipt.BlockNumber.Value;
            while (_options.Confirmations > 0 && await BlockNumberAsync(timeout.Token) < block + _options.Confirmations)
                await Task.Delay(_options.PollInterval, timeout.Token);
            if (_options.Confirmations > 0)
            {
                // The block may have been replaced while confirmations came: the receipt then names another block, or none yet.
                var again = await RpcAsync(() => _web3.Eth.Transactions.GetTransactionReceipt.SendRequestAsync(hash), timeout.Token);
                if (again is null || again.BlockHash != receipt.BlockHash)
                    return await MinedAsync(hash, to, data, ct);
            }
            var succeeded = receipt.Status?.Value == BigInteger.One;
            var reason = succeeded ? null : await RevertReasonAsync(to, data, block, receipt, ct);
            if (!succeeded)
                _log.LogInformation("EVM: transaction {Hash} reverted in block {Block}: {Reason}", hash, block, reason);
            return new EvmTransaction(hash, block, (long)receipt.GasUsed.Value, succeeded, reason, receipt);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new TimeoutException($"transaction {hash} was not mined with {_options.Confirmations} confirmations within {_options.ReceiptTimeout.TotalSeconds:0} s");
        }
    }

    /// <summary>Why a mined transaction reverted: the same call replayed from this account on the state after its block
    /// reverts the same way when the cause is in the contract's state (a key taken, a role missing).</summary>
    private async Task<string> RevertReasonAsync(string? to, byte[] data, long block, TransactionReceipt receipt, CancellationToken ct)
    {
        if (receipt.GasUsed.Value >= _options.GasLimit)
            return $"out of gas ({receipt.GasUsed.Value} of the limit {_options.GasLimit})";
        return await ReplayAsync(to, data, new BlockParameter((ulong)block), ct) ?? "reverted without a reason that a replay of the call reproduces";
    }

    /// <summary>Runs <paramref name="message"/> as a call from this account on the latest state, changing nothing and
    /// spending nothing: null when it would succeed, else the contract's revert reason (an AccessControl error in words).</summary>
    public Task<string?> SimulateAsync<TFunction>(string contract, TFunction message, CancellationToken ct = default)
        where TFunction : FunctionMessage, new() =>
        ReplayAsync(contract, message.GetCallData(), BlockParameter.CreateLatest(), ct);

    private async Task<string?> ReplayAsync(string? to, byte[] data, BlockParameter block, CancellationToken ct)
    {
        try
        {
            var call = new CallInput(data.ToHex(prefix: true), to, Address, new HexBigInteger(_options.GasLimit), new HexBigInteger(0));
            await RpcAsync(() => _web3.Eth.Transactions.Call.SendRequestAsync(call, block), ct);
            return null;
        }
        catch (SmartContractRevertException e)
        {
            return e.RevertMessage;
        }
        catch (SmartContractCustomErrorRevertException e)
        {
            return Describe(e);
        }
        catch (RpcResponseException e)
        {
            try
            {
                ContractRevertExceptionHandler.HandleContractRevertException(e);
            }
            catch (SmartContractRevertException revert)
            {
                return revert.RevertMessage;
            }
            catch (SmartContractCustomErrorRevertException custom)
            {
                return Describe(custom);
            }
            return e.RpcError.Message;
        }
    }

    private static string Describe(SmartContractCustomErrorRevertException e)
    {
        if (!e.IsCustomErrorFor<AccessControlUnauthorizedAccountError>())
            return $"custom error {e.ExceptionEncodedData}";
        var error = e.DecodeError<AccessControlUnauthorizedAccountError>();
        var role = error.NeededRole.AsSpan().SequenceEqual(AgriLedgerContract.InsurerRole) ? "an admitted insurer"
            : error.NeededRole.All(b => b == 0) ? "the consortium's owner" : $"role {error.NeededRole.ToHex(prefix: true)}";
        return $"account {error.Account} is not {role}";
    }

    public void Dispose()
    {
        _sendGate.Dispose();
        _ownHttp?.Dispose();
    }
}

/// <summary>No contract code at the address given as the AgriLedger contract: an ordinary account, or an address where
/// nothing was deployed (on this chain).</summary>
public sealed class EvmContractMissingException(string contract)
    : Exception($"no contract at {contract}: the chain holds no code there (an account, or an address nothing was deployed to on this chain)")
{
    public string Contract { get; } = contract;
}
