namespace Pipelines.Export.Report;

/// <summary>Pooling and comparison of encoder outputs.</summary>
public static class EmbeddingMath
{
    /// <summary>
    /// Sentence embeddings from an output: <c>[batch, sequence, d]</c> is mean-pooled over tokens whose mask is 1 (all tokens
    /// without a mask); <c>[batch, d]</c> rows are returned as is.
    /// </summary>
    public static IEnumerable<float[]> Pool(float[] data, long[] shape, long[]? mask)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(shape);
        int batch = (int)shape[0];
        if (shape.Length == 2)
        {
            int d2 = (int)shape[1];
            for (int b = 0; b < batch; b++)
            {
                yield return data.AsSpan(b * d2, d2).ToArray();
            }

            yield break;
        }

        int seq = (int)shape[1], d = (int)shape[2];
        for (int b = 0; b < batch; b++)
        {
            var e = new float[d];
            int count = 0;
            for (int t = 0; t < seq; t++)
            {
                if (mask is not null && mask[(b * seq) + t] == 0)
                {
                    continue;
                }

                count++;
                ReadOnlySpan<float> v = data.AsSpan(((b * seq) + t) * d, d);
                for (int i = 0; i < d; i++)
                {
                    e[i] += v[i];
                }
            }

            for (int i = 0; i < d; i++)
            {
                e[i] /= Math.Max(1, count);
            }

            yield return e;
        }
    }

    /// <summary>Cosine similarity (0 when either vector is zero).</summary>
    public static double Cosine(float[] a, float[] b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        double dot = 0, na = 0, nb = 0;
        for (int i = 0; i < a.Length; i++)
        {
            dot += (double)a[i] * b[i];
            na += (double)a[i] * a[i];
            nb += (double)b[i] * b[i];
        }

        return na == 0 || nb == 0 ? 0 : dot / Math.Sqrt(na * nb);
    }

    /// <summary>Max |a − b|, over real tokens only when a mask is given for a 3-D shape.</summary>
    public static float MaxAbsDiff(float[] a, float[] b, long[] shape, long[]? mask)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        if (a.Length != b.Length)
        {
            throw new ArgumentException($"Outputs differ in length: {a.Length} vs {b.Length}.");
        }

        int perToken = shape.Length == 3 ? (int)shape[2] : 1;
        float max = 0;
        for (int i = 0; i < a.Length; i++)
        {
            if (mask is not null && shape.Length == 3 && mask[i / perToken] == 0)
            {
                continue;
            }

            max = MathF.Max(max, MathF.Abs(a[i] - b[i]));
        }

        return max;
    }
}
