using System.Runtime.InteropServices;
using AgriInsure.Domain;
using Microsoft.Data.Sqlite;

namespace AgriInsure.Registry.Tests;

/// <summary>Registry schemas as files written by earlier versions hold them, for the migration tests.</summary>
internal static class OldSchemas
{
    /// <summary>Before multi-photo evidence and scoped search: one template in <c>animals</c>, one photo in
    /// <c>captures</c>, no decision scopes.</summary>
    public const string SinglePhoto = """
        CREATE TABLE farmers (id TEXT PRIMARY KEY, name TEXT NOT NULL, region TEXT NOT NULL);
        CREATE TABLE animals (id TEXT PRIMARY KEY, farmer_id TEXT NOT NULL REFERENCES farmers(id), species TEXT NOT NULL,
          ear_tag TEXT, model_id TEXT NOT NULL, template BLOB NOT NULL, enrolled_capture_id TEXT NOT NULL);
        CREATE TABLE captures (
          capture_id TEXT PRIMARY KEY, tenant TEXT NOT NULL, device_id TEXT NOT NULL, agent_id TEXT NOT NULL,
          purpose TEXT NOT NULL, species TEXT NOT NULL, ear_tag TEXT, farmer_id TEXT,
          lon REAL NOT NULL, lat REAL NOT NULL, accuracy_m REAL NOT NULL, taken_at TEXT NOT NULL,
          model_id TEXT NOT NULL, model_version TEXT NOT NULL, embedding BLOB NOT NULL, crop_key TEXT NOT NULL,
          received_at TEXT NOT NULL,
          status TEXT NOT NULL, outcome TEXT NOT NULL, reason TEXT NOT NULL, animal_id TEXT, score REAL, claim_id TEXT);

        """;

    /// <summary>A file at <paramref name="path"/> made by <paramref name="sql"/>, its $-parameters embeddings (as float32 bytes).</summary>
    public static async Task WriteAsync(string path, string sql, params (string Name, Embedding Value)[] embeddings)
    {
        await using var old = new SqliteConnection($"Data Source={path};Pooling=False");
        await old.OpenAsync();
        await using var cmd = old.CreateCommand();
        cmd.CommandText = sql;
        foreach (var (name, value) in embeddings)
            cmd.Parameters.AddWithValue(name, MemoryMarshal.AsBytes(value.Values).ToArray());
        await cmd.ExecuteNonQueryAsync();
    }
}
