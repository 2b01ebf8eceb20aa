using System.Data.Common;
using AgriInsure.Migrations;
using AgriInsure.Registry.Postgres;
using AgriInsure.Registry.Sqlite;
using AgriInsure.Tests;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace AgriInsure.Registry.Tests;

/// <summary>One test's store of one registry engine, and what the engine-independent suites need of it beyond
/// <see cref="IRegistry"/>: its numbered migrations and their lock, a connection of its own, its schema version.</summary>
public interface IRegistryStore : IAsyncDisposable
{
    Task<IRegistry> OpenAsync();

    /// <summary>The schema versions the registry's opening found and left.</summary>
    SchemaUpgrade SchemaOf(IRegistry registry);

    /// <summary>An open connection to the store, apart from any registry.</summary>
    Task<DbConnection> ConnectAsync();

    IReadOnlyList<Migration> Migrations { get; }

    Func<DbConnection, CancellationToken, Task<DbTransaction>> BeginExclusive { get; }

    /// <summary>Brings the (empty) store to <paramref name="version"/> only, as an older version of the code left it.</summary>
    async Task CreateAtVersionAsync(int version)
    {
        await using var db = await ConnectAsync();
        await SchemaMigrator.MigrateAsync(db, Migrations.Take(version).ToList(), BeginExclusive, "test store");
    }
}

internal sealed class SqliteStore : IRegistryStore
{
    private readonly TempFolder _dir = new();

    private string Path => _dir.File("registry.db");

    public async Task<IRegistry> OpenAsync() => await SqliteRegistry.OpenAsync(Path);

    public SchemaUpgrade SchemaOf(IRegistry registry) => ((SqliteRegistry)registry).Schema;

    public async Task<DbConnection> ConnectAsync()
    {
        var db = new SqliteConnection($"Data Source={Path};Pooling=False;Foreign Keys=True");
        await db.OpenAsync();
        return db;
    }

    public IReadOnlyList<Migration> Migrations => SqliteRegistry.Migrations;

    public Func<DbConnection, CancellationToken, Task<DbTransaction>> BeginExclusive => SqliteRegistry.BeginImmediate;

    public ValueTask DisposeAsync()
    {
        _dir.Dispose();
        return ValueTask.CompletedTask;
    }
}

internal sealed class PostgresStore(string connectionString) : IRegistryStore
{
    public static async Task<IRegistryStore> MakeAsync(PostgresServer server, Type testClass) => new PostgresStore(await server.CreateStoreAsync(testClass));

    public async Task<IRegistry> OpenAsync() => await PostgresRegistry.OpenAsync(connectionString);

    public SchemaUpgrade SchemaOf(IRegistry registry) => ((PostgresRegistry)registry).Schema;

    public async Task<DbConnection> ConnectAsync()
    {
        var db = new NpgsqlConnection(connectionString + ";Pooling=false");
        await db.OpenAsync();
        return db;
    }

    public IReadOnlyList<Migration> Migrations => PostgresRegistry.Migrations;

    public Func<DbConnection, CancellationToken, Task<DbTransaction>> BeginExclusive => PostgresRegistry.BeginLocked;

    // The schema goes with the server's data directory at the end of the run.
    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}

public sealed class SqliteRegistryContract : RegistryContract
{
    protected override Task<IRegistryStore> MakeStoreAsync() => Task.FromResult<IRegistryStore>(new SqliteStore());
}

/// <summary>The suite on a file made at schema version 1 and upgraded by the registry's opening.</summary>
public sealed class SqliteUpgradedRegistryContract : RegistryContract
{
    protected override Task<IRegistryStore> MakeStoreAsync() => Task.FromResult<IRegistryStore>(new SqliteStore());

    protected override int? StartAtVersion => 1;
}

[Collection(PostgresCollection.Name)]
public sealed class PostgresRegistryContract(PostgresServer server) : RegistryContract
{
    protected override Task<IRegistryStore> MakeStoreAsync() => PostgresStore.MakeAsync(server, GetType());
}

/// <summary>The suite on a database made at schema version 1 and upgraded by the registry's opening.</summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresUpgradedRegistryContract(PostgresServer server) : RegistryContract
{
    protected override Task<IRegistryStore> MakeStoreAsync() => PostgresStore.MakeAsync(server, GetType());

    protected override int? StartAtVersion => 1;
}
