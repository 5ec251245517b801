namespace Pipelines.Export.Quantization;

/// <summary>Symmetric int8 quantization of a MatMul weight <c>W[K, N]</c>: <c>q = clamp(round(w/scale), −127, 127)</c>, zero point 0.</summary>
internal static class Int8Weights
{
    /// <summary>Quantizes <paramref name="w"/>; one scale per output column n when <paramref name="perChannel"/>, else one scale.</summary>
    /// <returns>Codes <c>[K, N]</c> and scales (<c>[N]</c> or <c>[1]</c>).</returns>
    public static (sbyte[] Codes, float[] Scales) Quantize(ReadOnlySpan<float> w, int k, int n, bool perChannel)
    {
        if (w.Length != (long)k * n)
        {
            throw new ArgumentException($"Weight of {w.Length} values does not match [{k}, {n}].", nameof(w));
        }

        var scales = new float[perChannel ? n : 1];
        for (int r = 0; r < k; r++)
        {
            for (int c = 0; c < n; c++)
            {
                int s = perChannel ? c : 0;
                scales[s] = MathF.Max(scales[s], MathF.Abs(w[(r * n) + c]));
            }
        }

        for (int s = 0; s < scales.Length; s++)
        {
            scales[s] = scales[s] == 0 ? 1 : scales[s] / 127f;
        }

        var codes = new sbyte[w.Length];
        for (int r = 0; r < k; r++)
        {
            for (int c = 0; c < n; c++)
            {
                float scale = scales[perChannel ? c : 0];
                codes[(r * n) + c] = (sbyte)Math.Clamp((int)MathF.Round(w[(r * n) + c] / scale, MidpointRounding.ToEven), -127, 127);
            }
        }

        return (codes, scales);
    }

    /// <summary>uint8 affine parameters for the range [min, max] widened to include 0: <c>scale = (max − min)/255</c>, <c>zp = round(−min/scale)</c>.</summary>
    public static (float Scale, byte ZeroPoint) AffineUInt8(float min, float max)
    {
        min = MathF.Min(min, 0);
        max = MathF.Max(max, 0);
        float scale = (max - min) / 255f;
        if (scale == 0)
        {
            return (1f, 0);
        }

        return (scale, (byte)Math.Clamp((int)MathF.Round(-min / scale, MidpointRounding.ToEven), 0, 255));
    }
}
