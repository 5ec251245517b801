namespace Pipelines.Onnx;

/// <summary>The type of a tensor value: element type and, when known, its shape (rank and dims).</summary>
/// <param name="ElementType">The element type.</param>
/// <param name="Shape">The dims, or <see langword="null"/> when even the rank is unknown.</param>
public sealed record TensorType(TensorElementType ElementType, IReadOnlyList<Dim>? Shape)
{
    /// <summary>Creates a tensor type with the given dims.</summary>
    public static TensorType Of(TensorElementType elementType, params Dim[] dims) => new(elementType, dims);

    /// <summary>The rank, or -1 when unknown.</summary>
    public int Rank => Shape?.Count ?? -1;

    /// <summary>True when every dim is a known number.</summary>
    public bool IsFullyStatic => Shape is not null && Shape.All(d => d.IsFixed);

    /// <summary>The dims as numbers; throws when any is not fixed.</summary>
    public long[] StaticDims()
    {
        if (Shape is null || !IsFullyStatic)
        {
            throw new InvalidOperationException($"Shape {this} is not fully static.");
        }

        return Shape.Select(d => d.Value!.Value).ToArray();
    }

    /// <summary>Structural equality on dims (record equality on the list reference is not enough).</summary>
    public bool SameAs(TensorType? other) =>
        other is not null && ElementType == other.ElementType &&
        (Shape is null ? other.Shape is null : other.Shape is not null && Shape.SequenceEqual(other.Shape));

    /// <inheritdoc />
    public override string ToString() =>
        $"{ElementType}[{(Shape is null ? "?" : string.Join(",", Shape.Select(d => d.ToString())))}]";
}

/// <summary>A named graph input, output or intermediate value with its type (ONNX <c>ValueInfoProto</c>).</summary>
/// <param name="Name">The value's name.</param>
/// <param name="Type">Its tensor type, or <see langword="null"/> when not recorded.</param>
/// <param name="DocString">Documentation carried by the file.</param>
public sealed record ValueInfo(string Name, TensorType? Type, string DocString = "");
