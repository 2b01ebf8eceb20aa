using System.Numerics.Tensors;
using System.Security.Cryptography;
using AgriInsure.Cli;
using AgriInsure.Ledger;
using AgriInsure.Ledger.Sqlite;
using AgriInsure.Tests;
using Microsoft.Data.Sqlite;

namespace AgriInsure.Cli.Tests;

public class CommandsTests
{
    [Fact]
    public async Task Unknown_commands_exit_2() => Assert.Equal(2, await Commands.RunAsync(["harvest"]));

    [Fact]
    public async Task Ledger_verify_exits_0_when_intact_and_1_naming_the_tampered_entry()
    {
        using var dir = new TempFolder();
        var path = dir.File("ledger.db");
        await using (var ledger = await SqliteLedger.OpenAsync(path))
        {
            for (var i = 0; i < 4; i++)
                await ledger.AppendAsync(new LedgerRecord("claim", Hex($"k{i}"), Hex($"p{i}")));
        }
        Assert.Equal(0, await Commands.RunAsync(["ledger", "verify", "--ledger", path]));
        Assert.Equal(0, await Commands.RunAsync(["ledger", "prove", "--index", "2", "--ledger", path]));
        Assert.Equal(2, await Commands.RunAsync(["ledger", "prove", "--index", "9", "--ledger", path]));

        Sql(path, $"DROP TRIGGER entries_no_update; UPDATE entries SET key = '{Hex("forged")}' WHERE idx = 1");
        var (code, output) = await RunCapturingAsync(["ledger", "verify", "--ledger", path]);
        Assert.Equal(1, code);
        Assert.Contains("first bad entry 1", output);
    }

    [Fact]
    public async Task A_proof_is_never_given_against_a_tampered_ledger_and_a_shortened_one_fails_the_root_you_held()
    {
        using var dir = new TempFolder();
        var path = dir.File("ledger.db");
        byte[] rootAtFour;
        await using (var ledger = await SqliteLedger.OpenAsync(path))
        {
            for (var i = 0; i < 4; i++)
                await ledger.AppendAsync(new LedgerRecord("claim", Hex($"k{i}"), Hex($"p{i}")));
            rootAtFour = (await ledger.HeadAsync()).Root;
            for (var i = 4; i < 7; i++)
                await ledger.AppendAsync(new LedgerRecord("claim", Hex($"k{i}"), Hex($"p{i}")));
        }
        var held = Convert.ToHexStringLower(rootAtFour);
        Assert.Equal(0, await Commands.RunAsync(["ledger", "consistency", "--from", "4", "--root", held, "--ledger", path]));
        var other = Convert.ToHexStringLower(SHA256.HashData("another root"u8));
        Assert.Equal(1, await Commands.RunAsync(["ledger", "consistency", "--from", "4", "--root", other, "--ledger", path]));
        Assert.Equal(2, await Commands.RunAsync(["ledger", "consistency", "--from", "4", "--root", "abc", "--ledger", path]));
        // No root, nothing to check against: a usage error, not a "consistent".
        Assert.Equal(2, await Commands.RunAsync(["ledger", "consistency", "--from", "4", "--ledger", path]));

        // One byte of entry 3 changed: verify names it, and prove refuses rather than checking the stored hashes.
        var copy = dir.File("changed.db");
        File.Copy(path, copy);
        Sql(copy, $"DROP TRIGGER entries_no_update; UPDATE entries SET payload_hash = '{Hex("p3")[..63]}0' WHERE idx = 3");
        var (code, output) = await RunCapturingAsync(["ledger", "prove", "--index", "3", "--ledger", copy]);
        Assert.Equal(1, code);
        Assert.Contains("TAMPERED: first bad entry 3", output);
        Assert.DoesNotContain("proof verifies", output);

        // The last entries removed: the rest hashes consistently, but the root held for 7 entries gives it away.
        var shortened = dir.File("shortened.db");
        File.Copy(path, shortened);
        Sql(shortened, "DROP TRIGGER entries_no_delete; DROP TRIGGER nodes_no_delete; DELETE FROM entries WHERE idx = 6");
        Assert.Equal(0, await Commands.RunAsync(["ledger", "verify", "--ledger", shortened]));
        (code, output) = await RunCapturingAsync(["ledger", "consistency", "--from", "7", "--root", Convert.ToHexStringLower(SHA256.HashData("root at 7"u8)), "--ledger", shortened]);
        Assert.Equal(1, code);
        Assert.Contains("fewer than the 7 you saw", output);
    }

    private static void Sql(string path, string sql)
    {
        using var db = new SqliteConnection($"Data Source={path};Pooling=false");
        db.Open();
        using var cmd = db.CreateCommand();
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }

    private static async Task<(int Code, string Output)> RunCapturingAsync(string[] args)
    {
        var output = new StringWriter();
        var original = Console.Out;
        Console.SetOut(output);
        try
        {
            return (await Commands.RunAsync(args), output.ToString());
        }
        finally
        {
            Console.SetOut(original);
        }
    }

    [Theory]
    [InlineData(4096)]
    [InlineData(2)]
    public async Task A_ledger_file_cut_short_is_a_finding_not_a_usage_error(int keepEighths)
    {
        using var dir = new TempFolder();
        var path = dir.File("ledger.db");
        await using (var ledger = await SqliteLedger.OpenAsync(path))
            await ledger.GroupAsync(async ct =>
            {
                for (var i = 0; i < 300; i++)
                    await ledger.AppendAsync(new LedgerRecord("claim", Hex($"k{i}"), Hex($"p{i}")), ct);
                return 0;
            });
        var bytes = await File.ReadAllBytesAsync(path);
        // 4096: the first page alone; 2: a quarter of the file.
        var cut = dir.File("cut.db");
        await File.WriteAllBytesAsync(cut, bytes[..(keepEighths > 8 ? keepEighths : bytes.Length * keepEighths / 8)]);
        var (code, output) = await RunCapturingAsync(["ledger", "verify", "--ledger", cut]);
        Assert.Equal(1, code);
        Assert.Matches("ledger DAMAGED|damaged from here on", output);
        Assert.DoesNotContain("intact", output);
    }

    [Fact]
    public async Task A_changed_interior_node_is_tampering_though_every_entry_still_hashes_and_no_proof_is_given_through_it()
    {
        using var dir = new TempFolder();
        var path = dir.File("ledger.db");
        await using (var ledger = await SqliteLedger.OpenAsync(path))
        {
            for (var i = 0; i < 8; i++)
                await ledger.AppendAsync(new LedgerRecord("claim", Hex($"k{i}"), Hex($"p{i}")));
        }
        // The node over entries 4 and 5 (level 1, index 2), which entry 5's append completed.
        Sql(path, $"DROP TRIGGER nodes_no_update; UPDATE nodes SET hash = X'{new string('0', 64)}' WHERE level = 1 AND idx = 2");
        var (code, output) = await RunCapturingAsync(["ledger", "verify", "--ledger", path]);
        Assert.Equal(1, code);
        Assert.Contains("first bad entry 5", output);
        Assert.Contains("interior node", output);
        (code, output) = await RunCapturingAsync(["ledger", "prove", "--index", "4", "--ledger", path]);
        Assert.Equal(1, code);
        Assert.DoesNotContain("proof verifies", output);
    }

    [Fact]
    public async Task No_output_replaces_a_database_even_with_overwrite_and_an_empty_output_name_is_refused()
    {
        using var dir = new TempFolder();
        var path = dir.File("ledger.db");
        await using (var ledger = await SqliteLedger.OpenAsync(path))
            await ledger.AppendAsync(new LedgerRecord("claim", Hex("k"), Hex("p")));
        var before = await File.ReadAllBytesAsync(path);
        Assert.Equal(2, await Commands.RunAsync(["ledger", "verify", "--ledger", path, "--json", path, "--overwrite"]));
        Assert.Equal(2, await Commands.RunAsync(["ledger", "prove", "--index", "0", "--ledger", path, "--json", path, "--overwrite"]));
        Assert.Equal(before, await File.ReadAllBytesAsync(path));
        Assert.Equal(2, await Commands.RunAsync(["ledger", "verify", "--ledger", path, "--json", ""]));
    }

    [Fact]
    public async Task Chain_options_without_against_chain_are_refused_not_ignored()
    {
        using var dir = new TempFolder();
        var path = dir.File("ledger.db");
        await using (var ledger = await SqliteLedger.OpenAsync(path))
            await ledger.AppendAsync(new LedgerRecord("claim", Hex("k"), Hex("p")));
        Assert.Equal(2, await Commands.RunAsync(["ledger", "verify", "--ledger", path, "--rpc", "http://127.0.0.1:8545"]));
        Assert.Equal(0, await Commands.RunAsync(["ledger", "verify", "--ledger", path]));
    }

    [Fact]
    public async Task Ledger_verify_without_a_ledger_says_so() =>
        Assert.Equal(2, await Commands.RunAsync(["ledger", "verify", "--ledger", "/nonexistent/ledger.db"]));

    private static string Hex(string s) => Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(s)));
}

public class SampleHerdTests
{
    [Fact]
    public void Photos_are_reproducible_and_differ_between_shots_and_animals()
    {
        Assert.Equal(SampleHerd.Photo(3, 1), SampleHerd.Photo(3, 1));
        Assert.NotEqual(SampleHerd.Photo(3, 1), SampleHerd.Photo(3, 2));
        Assert.NotEqual(SampleHerd.Photo(3, 1), SampleHerd.Photo(4, 1));
    }

    /// <summary>The demo's fallback herd (five insured cows and a stranger) must be told apart by the
    /// shipped model, or a model swap turns the offline demo's enrolments into false duplicates.</summary>
    [Fact]
    public void The_shipped_model_tells_the_sample_animals_apart()
    {
        Assert.True(Edge.Vision.ModelManifest.TryLoad(Repo.Manifest, out var manifest, out var error), error);
        using var embedder = new Edge.Vision.FaceEmbedder(manifest!);
        var photos = Enumerable.Range(0, 6).Select(animal => Enumerable.Range(0, 6).Select(shot =>
        {
            Assert.True(Edge.Vision.PhotoDecoder.TryDecode(SampleHerd.Photo(animal, shot), out var image, out _));
            using (image)
                return embedder.Embed(image!);
        }).ToArray()).ToArray();
        var report = new List<string>();
        for (var a = 0; a < photos.Length; a++)
        {
            for (var b = 0; b < photos.Length; b++)
            {
                var score = photos[b].Skip(a == b ? 1 : 0).Max(p => TensorPrimitives.CosineSimilarity(photos[a][0], p));
                if ((a == b) != (score >= manifest!.Threshold))
                    report.Add($"animal {a} against {b}: {score:F3} (threshold {manifest.Threshold})");
            }
        }
        Assert.True(report.Count == 0, string.Join("\n", report));
    }

    [Fact]
    public void Sample_photos_pass_the_quality_gate()
    {
        var gate = new Edge.Vision.QualityGate(new Edge.Vision.QualityOptions());
        for (var animal = 0; animal < 6; animal++)
        {
            Assert.True(Edge.Vision.PhotoDecoder.TryDecode(SampleHerd.Photo(animal, 0), out var image, out _));
            using (image)
                Assert.True(gate.Check(image!).Passed, string.Join(", ", gate.Check(image!).Problems));
        }
    }
}
