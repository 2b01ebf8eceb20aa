using AgriInsure.Ledger.Evm;
using AgriInsure.Ledger.Sqlite;
using AgriInsure.Tests;

namespace AgriInsure.Ledger.Tests;

/// <summary>The ledger contract on the embedded SQLite log: each writer another connection to one file.</summary>
public sealed class SqliteLedgerContract : LedgerContract
{
    private readonly TempFolder _folder = new();

    protected override async Task<ILedger> OpenWriterAsync() => await SqliteLedger.OpenAsync(_folder.File("ledger.db"));

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        _folder.Dispose();
    }
}

/// <summary>The ledger contract on the AgriLedger contract, deployed for each test: each writer another insurer's
/// account, admitted by the consortium's owner.</summary>
public abstract class EvmLedgerContract(EvmNode node) : LedgerContract
{
    private string _contract = "";
    private long _block;
    private EvmLedger? _owner;

    public override async Task InitializeAsync()
    {
        string ownerKey;
        (_contract, _block, ownerKey) = await node.DeployAsync();
        _owner = await EvmLedger.ConnectAsync(node.Options(), ownerKey, _contract, _block);
    }

    protected override async Task<ILedger> OpenWriterAsync()
    {
        var ledger = await EvmLedger.ConnectAsync(node.Options(), await node.NewAccountAsync(), _contract, _block);
        await _owner!.AdmitInsurerAsync(ledger.Account);
        return ledger;
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        if (_owner is not null)
            await _owner.DisposeAsync();
    }
}

[Collection(AnvilCollection.Name)]
public sealed class AnvilLedgerContract(AnvilNode node) : EvmLedgerContract(node);

[Collection(GanacheCollection.Name)]
public sealed class GanacheLedgerContract(GanacheNode node) : EvmLedgerContract(node);
