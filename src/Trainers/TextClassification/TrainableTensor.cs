namespace Pipelines.Trainers.TextClassification;

/// <summary>One trained initializer with its AdamW moments.</summary>
public sealed class TrainableTensor
{
    /// <summary>Creates the state of <paramref name="name"/> from its initial values.</summary>
    public TrainableTensor(string name, long[] dims, float[] values, bool isHead)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(dims);
        ArgumentNullException.ThrowIfNull(values);
        Name = name;
        Dims = dims;
        Values = values;
        IsHead = isHead;
        FirstMoment = new float[values.Length];
        SecondMoment = new float[values.Length];
    }

    /// <summary>The initializer name.</summary>
    public string Name { get; }

    /// <summary>The shape.</summary>
    public long[] Dims { get; }

    /// <summary>Current values (updated in place; ORT reads them through pinned tensors).</summary>
    public float[] Values { get; }

    /// <summary>AdamW m.</summary>
    public float[] FirstMoment { get; }

    /// <summary>AdamW v.</summary>
    public float[] SecondMoment { get; }

    /// <summary>True for the classification head (its own learning rate).</summary>
    public bool IsHead { get; }

    /// <summary>Weight decay applies to matrices only.</summary>
    public bool Decays => Dims.Length >= 2;
}
