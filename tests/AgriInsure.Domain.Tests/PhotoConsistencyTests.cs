using AgriInsure.Domain;
using CsCheck;

namespace AgriInsure.Domain.Tests;

public class PhotoConsistencyTests
{
    /// <summary>Animal <paramref name="animal"/>'s face with a little noise: photos of one animal score about 0.95
    /// against each other, different animals about 0.</summary>
    private static Embedding Face(int animal, int shot)
    {
        var identity = new Random(animal);
        var noise = new Random(animal * 1000 + shot);
        return Embedding.Create(Enumerable.Range(0, 64).Select(_ => (float)(identity.NextDouble() - 0.5 + (noise.NextDouble() - 0.5) * 0.15)).ToArray(), "m").Value;
    }

    [Fact]
    public void Photos_of_one_animal_are_one_group_and_a_single_photo_is_trivially_consistent()
    {
        Assert.True(PhotoConsistency.Check([Face(1, 0)], 0.69f).OfOneAnimal);
        var five = PhotoConsistency.Check([.. Enumerable.Range(0, 5).Select(s => Face(1, s))], 0.69f);
        Assert.True(five.OfOneAnimal);
        Assert.Null(five.BestAcross);
        Assert.Equal("the 5 photos are of one animal", five.Describe());
    }

    [Fact]
    public void Photos_of_two_animals_fall_into_two_groups_whatever_their_order()
    {
        var split = PhotoConsistency.Check([Face(1, 0), Face(2, 0), Face(1, 1)], 0.69f);
        Assert.Equal([[0, 2], [1]], split.Groups.Select(g => g.ToArray()));
        Assert.True(split.BestAcross < 0.69f);
        Assert.Contains("2 groups (1, 3 | 2)", split.Describe());
        Gen.Shuffle(new[] { (1, 0), (1, 1), (2, 0), (2, 1), (2, 2) }).Sample(order =>
            Assert.Equal(2, PhotoConsistency.Check([.. order.Select(p => Face(p.Item1, p.Item2))], 0.69f).Groups.Count), iter: 30);
    }
}
