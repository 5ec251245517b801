namespace Pipelines.Onnx;

/// <summary>One dimension of a tensor shape: a fixed size, a symbolic name (e.g. <c>batch</c>), or unknown.</summary>
/// <param name="Value">The fixed size, when known.</param>
/// <param name="Param">The symbolic name, when the size is symbolic.</param>
public readonly record struct Dim(long? Value, string? Param)
{
    /// <summary>A dimension of unknown size.</summary>
    public static Dim Unknown => default;

    /// <summary>True when the size is a known number.</summary>
    public bool IsFixed => Value.HasValue;

    /// <summary>A fixed dimension.</summary>
    public static implicit operator Dim(long value) => new(value, null);

    /// <summary>A symbolic dimension.</summary>
    public static implicit operator Dim(string param) => new(null, param);

    /// <summary>Creates a fixed dimension.</summary>
    public static Dim FromInt64(long value) => new(value, null);

    /// <summary>Creates a symbolic dimension.</summary>
    public static Dim FromString(string param) => new(null, param);

    /// <inheritdoc />
    public override string ToString() => Value?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? Param ?? "?";
}
