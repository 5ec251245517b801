using System.Reflection;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Pipelines.Transforms.MLNet;

/// <summary>
/// The one place for ML.NET's <see cref="SchemaShape"/> workaround. <see cref="SchemaShape.Column"/>'s constructor and
/// <c>SchemaShape.Create(DataViewSchema)</c> are internal in ML.NET 5.0.1 (dotnet/machinelearning#4911), so estimators
/// outside ML.NET cannot describe the columns they add; the constructor is reached by reflection once, here.
/// <c>SchemaShapesTests</c> fails if ML.NET changes that constructor (and tells when the workaround can go).
/// </summary>
internal static class SchemaShapes
{
    private static readonly ConstructorInfo s_columnCtor = typeof(SchemaShape.Column)
        .GetConstructors(BindingFlags.Instance | BindingFlags.NonPublic | BindingFlags.Public)
        .Single(c => c.GetParameters().Length == 5);

    /// <summary>The shape of a column of <paramref name="type"/> (no annotations).</summary>
    public static SchemaShape.Column Column(string name, DataViewType type)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(type);
        (SchemaShape.Column.VectorKind kind, DataViewType item) = type switch
        {
            VectorDataViewType { IsKnownSize: true } v => (SchemaShape.Column.VectorKind.Vector, v.ItemType),
            VectorDataViewType v => (SchemaShape.Column.VectorKind.VariableVector, v.ItemType),
            _ => (SchemaShape.Column.VectorKind.Scalar, type),
        };
        // As in ML.NET's GetColumnTypeShape: a key column's item type is the key's raw number type, flagged as a key.
        bool isKey = item is KeyDataViewType;
        if (isKey)
        {
            item = Type.GetTypeCode(item.RawType) switch
            {
                TypeCode.Byte => NumberDataViewType.Byte,
                TypeCode.UInt16 => NumberDataViewType.UInt16,
                TypeCode.UInt32 => NumberDataViewType.UInt32,
                _ => NumberDataViewType.UInt64,
            };
        }

        return (SchemaShape.Column)s_columnCtor.Invoke([name, kind, item, isKey, null]);
    }

    /// <summary>A known-size vector of <see cref="float"/>.</summary>
    public static SchemaShape.Column FloatVector(string name) =>
        (SchemaShape.Column)s_columnCtor.Invoke([name, SchemaShape.Column.VectorKind.Vector, NumberDataViewType.Single, false, null]);

    /// <summary>The shape of a concrete schema (what ML.NET's internal <c>SchemaShape.Create</c> does, without annotations).</summary>
    public static SchemaShape FromSchema(DataViewSchema schema)
    {
        ArgumentNullException.ThrowIfNull(schema);
        return new(schema.Where(c => !c.IsHidden).Select(c => Column(c.Name, c.Type)));
    }

    /// <summary>The column <paramref name="name"/> of <paramref name="shape"/>; throws naming it when it is missing.</summary>
    /// <exception cref="ArgumentOutOfRangeException">No column has that name.</exception>
    public static SchemaShape.Column Require(SchemaShape shape, string name)
    {
        ArgumentNullException.ThrowIfNull(shape);
        SchemaShape.Column col = shape.FirstOrDefault(c => c.Name == name);
        if (col.Name is null)
        {
            throw new ArgumentOutOfRangeException(nameof(shape), $"Input column '{name}' not found.");
        }

        return col;
    }

    /// <summary>
    /// <paramref name="input"/> with <paramref name="output"/> appended last, replacing a column of the same name
    /// (the order a transformer's <c>GetOutputSchema</c> gives).
    /// </summary>
    public static SchemaShape Append(SchemaShape input, SchemaShape.Column output)
    {
        ArgumentNullException.ThrowIfNull(input);
        var cols = input.Where(c => c.Name != output.Name).ToList();
        cols.Add(output);
        return new SchemaShape(cols);
    }
}
