namespace Pipelines.Numerics.LinearAlgebra;

/// <summary>
/// Seeded standard normal samples: xoshiro256** seeded through SplitMix64, Box–Muller transform. The same seed gives the
/// same sequence on every platform and .NET version (unlike <see cref="Random"/>, whose algorithm is unspecified).
/// </summary>
public sealed class GaussianSampler
{
    private ulong _s0;
    private ulong _s1;
    private ulong _s2;
    private ulong _s3;
    private float _spare;
    private bool _hasSpare;

    /// <summary>Creates a sampler for <paramref name="seed"/>.</summary>
    public GaussianSampler(ulong seed)
    {
        ulong x = seed;
        _s0 = SplitMix(ref x);
        _s1 = SplitMix(ref x);
        _s2 = SplitMix(ref x);
        _s3 = SplitMix(ref x);
    }

    /// <summary>A uniform double in [0, 1).</summary>
    public double NextUniform() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>One N(0, 1) sample.</summary>
    public float NextGaussian()
    {
        if (_hasSpare)
        {
            _hasSpare = false;
            return _spare;
        }

        double u1 = 1.0 - NextUniform();
        double u2 = NextUniform();
        double radius = Math.Sqrt(-2.0 * Math.Log(u1));
        double angle = 2.0 * Math.PI * u2;
        _spare = (float)(radius * Math.Sin(angle));
        _hasSpare = true;
        return (float)(radius * Math.Cos(angle));
    }

    /// <summary>Fills <paramref name="destination"/> with N(0, 1) samples.</summary>
    public void Fill(Span<float> destination)
    {
        for (int i = 0; i < destination.Length; i++)
        {
            destination[i] = NextGaussian();
        }
    }

    /// <summary>
    /// Fills <paramref name="destination"/> with N(0, 1) samples computed in blocks, in float: Box–Muller on 24-bit
    /// uniforms (two per 64-bit output) with vectorised log, square root, sine and cosine. A different sequence from
    /// <see cref="Fill"/> for the same seed (and tails cut at √(48·ln 2) ≈ 5.8), about five times faster; for random
    /// sketches, where only the distribution matters.
    /// </summary>
    public void FillBlocks(Span<float> destination)
    {
        const int Block = 256;
        Span<float> radius = stackalloc float[Block];
        Span<float> angle = stackalloc float[Block];
        Span<float> sin = stackalloc float[Block];
        Span<float> cos = stackalloc float[Block];
        const float Unit = 1f / (1 << 24);
        for (int start = 0; start < destination.Length; start += 2 * Block)
        {
            int pairs = Math.Min(Block, (destination.Length - start + 1) / 2);
            for (int i = 0; i < pairs; i++)
            {
                ulong x = NextUInt64();
                radius[i] = 1f - ((x >> 40) * Unit);
                angle[i] = ((uint)x >> 8) * Unit;
            }

            Span<float> r = radius[..pairs];
            Span<float> a = angle[..pairs];
            System.Numerics.Tensors.TensorPrimitives.Log(r, r);
            System.Numerics.Tensors.TensorPrimitives.Multiply(r, -2f, r);
            System.Numerics.Tensors.TensorPrimitives.Sqrt(r, r);
            System.Numerics.Tensors.TensorPrimitives.Multiply(a, 2f * MathF.PI, a);
            System.Numerics.Tensors.TensorPrimitives.SinCos(a, sin[..pairs], cos[..pairs]);
            Span<float> dst = destination[start..];
            for (int i = 0; i < pairs; i++)
            {
                dst[2 * i] = r[i] * cos[i];
                if ((2 * i) + 1 < dst.Length)
                {
                    dst[(2 * i) + 1] = r[i] * sin[i];
                }
            }
        }
    }

    /// <summary>The next raw 64-bit output of xoshiro256**.</summary>
    public ulong NextUInt64()
    {
        ulong result = ulong.RotateLeft(_s1 * 5, 7) * 9;
        ulong t = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = ulong.RotateLeft(_s3, 45);
        return result;
    }

    private static ulong SplitMix(ref ulong x)
    {
        ulong z = x += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
