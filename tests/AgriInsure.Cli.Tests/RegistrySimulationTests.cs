using AgriInsure.Evaluation;

namespace AgriInsure.Cli.Tests;

public class RegistrySimulationTests
{
    private static float[] Unit(Random r, int dim = 64) => Normalised([.. Enumerable.Range(0, dim).Select(_ => (float)(r.NextDouble() * 2 - 1))]);

    private static float[] Normalised(float[] v)
    {
        var norm = MathF.Sqrt(v.Sum(x => x * x));
        return [.. v.Select(x => x / norm)];
    }

    /// <summary>Each animal a direction of its own, each photo that direction with a little noise (cosine about 0.95).</summary>
    private static List<IdentitySamples> Herd(int animals, int photos, Random r) =>
        [.. Enumerable.Range(0, animals).Select(a =>
        {
            var face = Unit(r);
            return new IdentitySamples($"cow{a}", [.. Enumerable.Range(0, photos).Select(_ => Normalised([.. face.Zip(Unit(r), (f, n) => f + 0.15f * n)]))]);
        })];

    [Fact]
    public async Task Distinct_animals_are_all_enrolled_and_every_second_enrolment_is_caught_as_its_animal()
    {
        var sim = await RegistrySimulation.RunAsync(Herd(30, 6, new Random(3)), "m", "1", 0.69f, seed: 7, progress: null, CancellationToken.None);
        Assert.Equal(30, sim.Animals);
        Assert.Equal(new Dictionary<int, int> { [3] = 30 }, sim.EnrolmentPhotos);
        Assert.Equal((0, 0), (sim.FalseDuplicates, sim.RefusedAsInconsistent));
        Assert.Equal(30, sim.SecondEnrolments);
        Assert.Equal((30, 0, 0, 0), (sim.Caught, sim.FlaggedAsAnother, sim.SecondRefusedAsInconsistent, sim.EnrolledAgain));
        Assert.Equal(0, sim.MissedDuplicateRate);
        Assert.All(sim.Scopes, s => Assert.Equal(29, s.FinalSize));
    }

    [Fact]
    public async Task Look_alikes_are_counted_as_false_duplicates_enrolled_on_review_and_animals_with_few_photos_give_no_second_enrolment()
    {
        var r = new Random(5);
        var herd = Herd(10, 4, r);
        // Twins: a second animal whose photos are the first's, so its honest enrolment is flagged.
        herd.Add(new IdentitySamples("twin", herd[0].Embeddings));
        herd.Add(new IdentitySamples("one-photo", [Unit(r)]));
        var sim = await RegistrySimulation.RunAsync(herd, "m", "1", 0.69f, seed: 1, progress: null, CancellationToken.None);
        Assert.Equal(12, sim.Animals);
        Assert.Equal(1, sim.FalseDuplicates);
        Assert.Equal(1.0 / 12, sim.FalseDuplicateRate, 9);
        Assert.Equal(new Dictionary<int, int> { [3] = 11, [1] = 1 }, sim.EnrolmentPhotos);
        // Every animal with a fourth photo is enrolled again from it; the one-photo animal is not.
        Assert.Equal(11, sim.SecondEnrolments);
        Assert.Equal(new Dictionary<int, int> { [1] = 11 }, sim.SecondEnrolmentPhotos);
        // A twin's second photo may be flagged as the other twin: not "caught", and counted as missed.
        Assert.Equal(sim.SecondEnrolments, sim.Caught + sim.FlaggedAsAnother + sim.SecondRefusedAsInconsistent + sim.EnrolledAgain);
        Assert.Equal((double)(sim.SecondEnrolments - sim.Caught) / sim.SecondEnrolments, sim.MissedDuplicateRate);
    }

    [Fact]
    public async Task Photos_of_two_animals_in_one_enrolment_are_refused_as_inconsistent_and_left_out()
    {
        var r = new Random(8);
        var herd = Herd(8, 3, r);
        herd.Add(new IdentitySamples("mixed", [herd[0].Embeddings[0], Unit(r), Unit(r)]));
        var sim = await RegistrySimulation.RunAsync(herd, "m", "1", 0.69f, seed: 2, progress: null, CancellationToken.None);
        Assert.Equal(1, sim.RefusedAsInconsistent);
        Assert.Equal(0, sim.SecondEnrolments);
        Assert.Null(sim.MissedDuplicateRate);
    }
}
