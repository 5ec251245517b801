using Pipelines.Onnx;

namespace Pipelines.Trainers;

/// <summary>
/// Fills the batch inputs for a given step. Implementations must be deterministic in (seed, step) so that a run resumed
/// from a checkpoint sees the same batches as an uninterrupted one.
/// </summary>
public interface IBatchSource
{
    /// <summary>Writes the batch of step <paramref name="step"/> into <paramref name="batch"/>.</summary>
    void Fill(long step, long seed, TrainingBatch batch);
}

/// <summary>The pinned batch-input buffers of a trainer, written in place before each step.</summary>
public sealed class TrainingBatch
{
    private readonly Dictionary<string, StateBuffer> _buffers;

    internal TrainingBatch(Dictionary<string, StateBuffer> buffers)
    {
        _buffers = buffers;
    }

    /// <summary>The input names.</summary>
    public IEnumerable<string> Names => _buffers.Keys;

    /// <summary>The fixed shape of input <paramref name="name"/>.</summary>
    public long[] Shape(string name) => Buffer(name).Shape;

    /// <summary>The elements of input <paramref name="name"/> as <typeparamref name="T"/> (must match its element type).</summary>
    public Span<T> Get<T>(string name)
        where T : unmanaged
    {
        StateBuffer b = Buffer(name);
        int size = System.Runtime.CompilerServices.Unsafe.SizeOf<T>();
        if (size != b.ElementType.RawByteCount(1))
        {
            throw new ArgumentException($"Batch input '{name}' is {b.ElementType}; {typeof(T).Name} does not match.", nameof(name));
        }

        return b.As<T>();
    }

    private StateBuffer Buffer(string name) => _buffers.TryGetValue(name, out StateBuffer? b)
        ? b
        : throw new KeyNotFoundException($"No batch input '{name}'; the inputs are {string.Join(", ", _buffers.Keys)}.");
}
