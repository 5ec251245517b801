namespace Pipelines.Export.Quantization;

/// <summary>
/// Block-wise k-bit quantization of the rows of a row-major matrix <c>[rows, length]</c>: each run of
/// <c>blockSize</c> consecutive elements of a row shares one scale and one zero point, and a value is dequantized as
/// <c>w = (q − zp)·scale</c>. For a MatMul weight <c>W[K, N]</c> the rows are the output columns n (blocks run along K,
/// as <c>MatMulNBits</c> stores them); for an embedding table <c>E[V, D]</c> the rows are the vocabulary entries.
/// </summary>
public static class BlockQuantizer
{
    /// <summary>Quantizes <paramref name="matrix"/> (<c>[rows, length]</c>, row-major).</summary>
    /// <param name="matrix">The values.</param>
    /// <param name="rows">Number of rows.</param>
    /// <param name="length">Elements per row.</param>
    /// <param name="blockSize">Elements per block (the last block of a row may be shorter).</param>
    /// <param name="bits">Bits per value, 2 to 8.</param>
    /// <param name="symmetric">
    /// True: zero point 2^(bits−1) and <c>scale = m / −2^(bits−1)</c> with m the block's value of largest magnitude (sign kept), so
    /// that value lands exactly on the code 0 (ORT's symmetric MatMulNBits rule); false: asymmetric over the block's
    /// range widened to include 0, <c>scale = (max − min)/(2^bits − 1)</c>, <c>zp = round(−min/scale)</c>.
    /// </param>
    /// <param name="clipSearch">
    /// Also try the range shrunk by the factors in <see cref="ClipRatios"/> and keep, per block, the one with the least squared
    /// error (clipping a few outliers buys a finer step for the rest), then refine the scale by least squares with the codes
    /// fixed (<see cref="RefinementSteps"/> rounds, each kept only if it lowers the error).
    /// </param>
    public static BlockQuantizedRows Quantize(ReadOnlySpan<float> matrix, int rows, int length, int blockSize, int bits, bool symmetric, bool clipSearch = false)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(rows);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(length);
        ArgumentOutOfRangeException.ThrowIfLessThan(blockSize, 2);
        ArgumentOutOfRangeException.ThrowIfLessThan(bits, 2);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(bits, 8);
        if (matrix.Length != (long)rows * length)
        {
            throw new ArgumentException($"Matrix of {matrix.Length} values does not match [{rows}, {length}].", nameof(matrix));
        }

        int blocks = (length + blockSize - 1) / blockSize;
        int qmax = (1 << bits) - 1;
        int mid = 1 << (bits - 1);
        var values = new byte[(long)rows * length];
        var scales = new float[rows * blocks];
        var zeros = new byte[rows * blocks];
        for (int r = 0; r < rows; r++)
        {
            ReadOnlySpan<float> row = matrix.Slice(r * length, length);
            for (int b = 0; b < blocks; b++)
            {
                int start = b * blockSize;
                int count = Math.Min(blockSize, length - start);
                ReadOnlySpan<float> block = row.Slice(start, count);
                (float scale, int zp) = Parameters(block, symmetric, qmax, mid, 1f);
                if (clipSearch)
                {
                    double best = SquaredError(block, scale, zp, qmax);
                    foreach (float ratio in ClipRatios)
                    {
                        (float s, int z) = Parameters(block, symmetric, qmax, mid, ratio);
                        double e = SquaredError(block, s, z, qmax);
                        if (e < best)
                        {
                            (best, scale, zp) = (e, s, z);
                        }
                    }

                    // Lloyd-style refinement: with the codes fixed, the least-squares scale is Σw(q−zp)/Σ(q−zp)²; re-round and repeat.
                    for (int iteration = 0; iteration < RefinementSteps; iteration++)
                    {
                        float refined = LeastSquaresScale(block, scale, zp, qmax);
                        double e = SquaredError(block, refined, zp, qmax);
                        if (!(e < best))
                        {
                            break;
                        }

                        (best, scale) = (e, refined);
                    }
                }

                scales[(r * blocks) + b] = scale;
                zeros[(r * blocks) + b] = (byte)zp;
                Span<byte> q = values.AsSpan((r * length) + start, count);
                float inv = scale == 0 ? 0 : 1f / scale;
                for (int i = 0; i < count; i++)
                {
                    int code = (int)MathF.Round(block[i] * inv, MidpointRounding.ToEven) + zp;
                    q[i] = (byte)Math.Clamp(code, 0, qmax);
                }
            }
        }

        return new BlockQuantizedRows(rows, length, blockSize, bits, symmetric, values, scales, zeros);
    }

    /// <summary>Range shrink factors tried by the clip search.</summary>
    public static IReadOnlyList<float> ClipRatios { get; } = [0.95f, 0.9f, 0.85f, 0.8f, 0.75f, 0.7f];

    private static (float Scale, int ZeroPoint) Parameters(ReadOnlySpan<float> block, bool symmetric, int qmax, int mid, float ratio)
    {
        if (symmetric)
        {
            float m = 0;
            foreach (float v in block)
            {
                if (MathF.Abs(v) > MathF.Abs(m))
                {
                    m = v;
                }
            }

            return (m * ratio / -mid, mid);
        }

        float min = 0, max = 0;
        foreach (float v in block)
        {
            min = MathF.Min(min, v);
            max = MathF.Max(max, v);
        }

        min *= ratio;
        max *= ratio;
        float scale = (max - min) / qmax;
        int zp = scale == 0 ? 0 : Math.Clamp((int)MathF.Round(-min / scale, MidpointRounding.ToEven), 0, qmax);
        return (scale, zp);
    }

    /// <summary>Least-squares refinements of the scale after the clip search.</summary>
    public const int RefinementSteps = 4;

    private static float LeastSquaresScale(ReadOnlySpan<float> block, float scale, int zp, int qmax)
    {
        float inv = scale == 0 ? 0 : 1f / scale;
        double num = 0, den = 0;
        foreach (float v in block)
        {
            int q = Math.Clamp((int)MathF.Round(v * inv, MidpointRounding.ToEven) + zp, 0, qmax) - zp;
            num += (double)v * q;
            den += (double)q * q;
        }

        return den == 0 ? scale : (float)(num / den);
    }

    private static double SquaredError(ReadOnlySpan<float> block, float scale, int zp, int qmax)
    {
        float inv = scale == 0 ? 0 : 1f / scale;
        double e = 0;
        foreach (float v in block)
        {
            int code = Math.Clamp((int)MathF.Round(v * inv, MidpointRounding.ToEven) + zp, 0, qmax);
            double d = v - ((code - zp) * scale);
            e += d * d;
        }

        return e;
    }
}
