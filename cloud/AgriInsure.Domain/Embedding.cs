namespace AgriInsure.Domain;

/// <summary>An L2-normalised biometric embedding, tied to the model that produced it:
/// vectors from different models are not comparable.</summary>
public sealed class Embedding
{
    private readonly float[] _values;

    private Embedding(float[] values, string modelId)
    {
        _values = values;
        ModelId = modelId;
    }

    public string ModelId { get; }
    public ReadOnlySpan<float> Values => _values;
    public int Dimension => _values.Length;

    public static Result<Embedding> Create(ReadOnlySpan<float> values, string modelId, string field = "embedding")
    {
        if (string.IsNullOrWhiteSpace(modelId))
            return Result<Embedding>.Fail($"{field}.model", "is empty");
        if (values.Length is < 8 or > 4096)
            return Result<Embedding>.Fail(field, $"has {values.Length} dimensions; expected 8 to 4096");
        double sum = 0;
        foreach (var v in values)
        {
            if (!float.IsFinite(v))
                return Result<Embedding>.Fail(field, "holds a NaN or infinite value");
            sum += (double)v * v;
        }
        var norm = Math.Sqrt(sum);
        if (norm < 1e-6)
            return Result<Embedding>.Fail(field, "is the zero vector");
        var copy = new float[values.Length];
        for (var i = 0; i < copy.Length; i++)
            copy[i] = (float)(values[i] / norm);
        return Result<Embedding>.Ok(new Embedding(copy, modelId));
    }

    /// <summary>Cosine similarity; both vectors are unit length so this is the dot product.</summary>
    public float Similarity(Embedding other)
    {
        if (other.ModelId != ModelId || other.Dimension != Dimension)
            throw new InvalidOperationException($"Embeddings of {ModelId} and {other.ModelId} are not comparable");
        return System.Numerics.Tensors.TensorPrimitives.Dot(Values, other.Values);
    }
}
