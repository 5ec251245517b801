using Microsoft.ML;
using Microsoft.ML.Data;

namespace Pipelines.Trainers.MLNet;

/// <summary>Typed, converting getters over a row cursor: the one place the trainers read label columns cell by cell.</summary>
internal static class ColumnGetters
{
    /// <summary>A getter that reads <paramref name="column"/> as <typeparamref name="TRaw"/> and converts each value.</summary>
    public static Func<TOut> Converted<TRaw, TOut>(DataViewRowCursor cursor, DataViewSchema.Column column, Func<TRaw, TOut> convert)
    {
        ValueGetter<TRaw> getter = cursor.GetGetter<TRaw>(column);
        TRaw value = default!;
        return () =>
        {
            getter(ref value);
            return convert(value);
        };
    }

    /// <summary>
    /// A class-index getter for a key (1-based; 0 = missing), Int32, Int64, Single (whole, non-negative) or Boolean
    /// column; a missing or fractional value throws <see cref="DataFormatException"/> naming the column and row.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The column has another type.</exception>
    public static Func<int> ClassIndex(DataViewRowCursor cursor, DataViewSchema.Column label)
    {
        DataFormatException Bad(string what) => new($"Label column '{label.Name}', row {cursor.Position}: {what}.");
        DataViewType type = label.Type;
        return type switch
        {
            KeyDataViewType => Converted<uint, int>(cursor, label, v => v == 0 ? throw Bad("missing key value") : (int)v - 1),
            BooleanDataViewType => Converted<bool, int>(cursor, label, v => v ? 1 : 0),
            _ when type == NumberDataViewType.Int32 => Converted<int, int>(cursor, label, v => v >= 0 ? v : throw Bad($"{v} is not a class index")),
            _ when type == NumberDataViewType.Int64 => Converted<long, int>(cursor, label, v => v is >= 0 and <= int.MaxValue ? (int)v : throw Bad($"{v} is not a class index")),
            _ when type == NumberDataViewType.Single => Converted<float, int>(cursor, label, v => v >= 0 && v <= int.MaxValue && v == MathF.Floor(v) ? (int)v : throw Bad($"{v} is not a class index (a whole number ≥ 0)")),
            _ => throw new ArgumentOutOfRangeException(nameof(label), $"Label column '{label.Name}' is {type}; expected a key, Int32, Int64, Single or Boolean."),
        };
    }
}
