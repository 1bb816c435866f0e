cimport React from 'react';

interface Props {
  title: string;
}

// Renders a heading.
export function Title(props: Props) {
  return <h1 className="t">{props.title}</h1>;
}

export const Button = ({ label }: { label: string }) => {
  return <button>{label}</button>;
};
