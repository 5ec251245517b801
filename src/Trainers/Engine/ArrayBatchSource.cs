namespace Pipelines.Trainers;

/// <summary>
/// Batches drawn from in-memory arrays: each epoch visits the rows in a permutation seeded by (seed, epoch), dropping the
/// last partial batch. Every input array holds <see cref="Rows"/> rows of equal size.
/// </summary>
public sealed class ArrayBatchSource : IBatchSource
{
    private readonly Dictionary<string, Array> _columns;
    private int[]? _permutation;
    private long _permutationEpoch = -1;
    private long _permutationSeed;

    /// <summary>Creates the source.</summary>
    /// <param name="rows">Number of rows.</param>
    /// <param name="columns">Batch-input name → a float[], double[] or long[] of <paramref name="rows"/> × row size elements.</param>
    public ArrayBatchSource(int rows, IReadOnlyDictionary<string, Array> columns)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(rows);
        ArgumentNullException.ThrowIfNull(columns);
        foreach (KeyValuePair<string, Array> c in columns)
        {
            if (c.Value.Length % rows != 0)
            {
                throw new ArgumentException($"Column '{c.Key}' has {c.Value.Length} elements, not a multiple of {rows} rows.", nameof(columns));
            }
        }

        Rows = rows;
        _columns = new Dictionary<string, Array>(columns, StringComparer.Ordinal);
    }

    /// <summary>Number of rows.</summary>
    public int Rows { get; }

    /// <inheritdoc />
    public void Fill(long step, long seed, TrainingBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        int batchSize = -1;
        foreach (KeyValuePair<string, Array> c in _columns)
        {
            long[] shape = batch.Shape(c.Key);
            batchSize = (int)shape[0];
        }

        int perEpoch = Rows / batchSize;
        if (perEpoch == 0)
        {
            throw new InvalidOperationException($"Batch size {batchSize} exceeds the {Rows} rows.");
        }

        long epoch = step / perEpoch;
        int offset = (int)(step % perEpoch) * batchSize;
        int[] perm = Permutation(seed, epoch);
        foreach (KeyValuePair<string, Array> c in _columns)
        {
            int width = c.Value.Length / Rows;
            switch (c.Value)
            {
                case float[] f:
                    Gather(f, batch.Get<float>(c.Key), perm, offset, batchSize, width);
                    break;
                case double[] d:
                    Gather(d, batch.Get<double>(c.Key), perm, offset, batchSize, width);
                    break;
                case long[] l:
                    Gather(l, batch.Get<long>(c.Key), perm, offset, batchSize, width);
                    break;
                default:
                    throw new NotSupportedException($"Column '{c.Key}' is {c.Value.GetType().Name}; use float[], double[] or long[].");
            }
        }
    }

    private static void Gather<T>(T[] source, Span<T> destination, int[] perm, int offset, int batch, int width)
    {
        for (int r = 0; r < batch; r++)
        {
            source.AsSpan(perm[offset + r] * width, width).CopyTo(destination.Slice(r * width, width));
        }
    }

    // SplitMix64 of (seed, epoch): deterministic across processes, unlike HashCode
    private static int MixSeed(long seed, long epoch)
    {
        ulong z = unchecked((ulong)seed + (0x9E3779B97F4A7C15UL * (ulong)(epoch + 1)));
        z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
        z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
        return unchecked((int)(z ^ (z >> 31)));
    }

    private int[] Permutation(long seed, long epoch)
    {
        if (_permutation is null || _permutationEpoch != epoch || _permutationSeed != seed)
        {
            var rng = new Random(MixSeed(seed, epoch));
            _permutation = [.. Enumerable.Range(0, Rows)];
            rng.Shuffle(_permutation);
            _permutationEpoch = epoch;
            _permutationSeed = seed;
        }

        return _permutation;
    }
}
